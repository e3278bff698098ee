from unmask.cli import run

run()
