"""Attribution: from pages and sites to the people and money behind them."""
