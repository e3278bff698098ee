from unmask.demo import CAMPAIGN_SITE, build_demo, generate_posts


def test_generator_is_deterministic() -> None:
    assert generate_posts(seed=3) == generate_posts(seed=3)
    assert generate_posts(seed=3) != generate_posts(seed=4)


def test_demo_is_fictional() -> None:
    posts = generate_posts()
    hosts = {u.split("/")[2] for p in posts for u in p.urls.split()}
    assert hosts and all(h.endswith(".example") for h in hosts)  # RFC 2606: no real site
    assert any(CAMPAIGN_SITE in p.urls for p in posts)


def test_build_demo_loads_everything_but_the_two_broken_rows(tmp_path) -> None:
    built = build_demo(tmp_path)
    [result] = built["imports"]
    assert result.quarantined == 2 and result.loaded == len(generate_posts())
    rebuilt = build_demo(tmp_path)  # a fresh case, not a second import into the old one
    assert rebuilt["info"]["posts"] == built["info"]["posts"]
