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
    attribution = built["attribution"]
    assert sum(r.quarantined for r in attribution["imports"]) == 0
    assert attribution["run"].findings == {
        "shared-funder": 2,
        "shared-infrastructure": 1,
        "synchronised-launch": 1,
    }
    assert all(answer["paths"] for answer in attribution["explained"])  # the planted chain, from the files
    # One story: an account of the planted network, the site it pushes, the organisation behind it.
    [story] = attribution["story"]["paths"]
    assert story[0]["from"]["schema"] == "Account" and story[0]["from"]["name"] in built["planted"]
    assert story[0]["relation"] == "posted links to"
    assert story[-1]["to"]["name"] == "ALDER RIDGE ENERGY COUNCIL"
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert built["report"] == str(tmp_path / "report.html") and "Quillfeather" in report


def test_demo_records_point_at_nothing_real(tmp_path) -> None:
    from unmask.demo import records

    files = records.write_records(tmp_path)
    text = "".join(p.read_text(encoding="utf-8") for paths in files.values() for p in paths)
    assert records.COMPANY_NUMBER.startswith("ZZ") and "C00" not in text  # no real FEC committee id
    assert all(site.endswith(".example") for site in records.SITES.values())
    assert "ZZ1 1ZZ" in text


def test_demo_persona_is_found_and_the_control_is_not(tmp_path) -> None:
    from unmask.demo.columns import CONTROL_BYLINE, PERSONA_BYLINE, generate_columns, team_of

    docs, reference = generate_columns()
    assert all(d["url"].split("/")[2].endswith(".example") for d in docs)
    built = build_demo(tmp_path)
    results = {r.byline: r for r in built["persona"]}
    persona, control = results[PERSONA_BYLINE], results[CONTROL_BYLINE]
    assert persona.p_multiple > 0.9 and persona.writers == 3
    assert len({(persona.clusters[d], team_of(d)) for d in persona.clusters}) == 3  # the planted turns
    assert control.p_multiple < 0.5 and control.writers == 1
    assert len({r["byline"] for r in reference}) >= 10
