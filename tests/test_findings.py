import pytest

from unmask import disarm
from unmask.findings import KINDS, Evidence, Finding, finding_to_dict, read_findings, write_findings


def make(**overrides) -> Finding:
    args = dict(
        kind="coordinated-network",
        claim="3 accounts shared 5 links within 20 s",
        confidence=0.9,
        subjects=["b", "a", "c"],
        method="coordination.co-link",
        method_version="1",
        parameters={"window_s": 20},
        limitations="timing alone",
        evidence=[
            Evidence(1, 17, "posts", {"url": "https://x.example/"}),
            Evidence(values={"p_value": 1e-6}, note="time-shuffle null"),
        ],
    )
    args.update(overrides)
    return Finding(**args)


def test_round_trip(case) -> None:
    f = make()
    write_findings(case, [f])
    [back] = read_findings(case)
    assert back == f
    assert back.subjects == ["a", "b", "c"]
    assert back.disarm == KINDS["coordinated-network"].disarm
    assert back.evidence[0].record_no == 17 and back.evidence[1].source_id is None


def test_rerunning_replaces_the_same_finding(case) -> None:
    write_findings(case, [make(confidence=0.5)])
    write_findings(case, [make(confidence=0.8)])
    assert [f.confidence for f in read_findings(case)] == [0.8]
    assert case.scalar("SELECT count(*) FROM evidence") == 2


def test_filters_and_order(case) -> None:
    write_findings(
        case,
        [
            make(subjects=["x"], confidence=0.2),
            make(subjects=["y"], confidence=0.95),
            make(kind="shared-funder", subjects=["z"], confidence=0.6),
        ],
    )
    assert [f.confidence for f in read_findings(case)] == [0.95, 0.6, 0.2]
    assert [f.subjects for f in read_findings(case, kind="shared-funder")] == [["z"]]
    assert len(read_findings(case, min_confidence=0.5)) == 2


def test_retired_disarm_ids_map_to_current_ones() -> None:
    f = make(disarm=("T0007", "T0049.005"))
    assert "T0007" not in f.disarm and "T0151.003" in f.disarm and "T0049.005" in f.disarm
    for old, new in disarm.RETIRED.items():
        assert old not in disarm.techniques()
        assert all(t in disarm.techniques() for t in new)


def test_every_kind_maps_to_current_disarm_techniques() -> None:
    for kind in KINDS.values():
        assert kind.disarm and all(t in disarm.techniques() for t in kind.disarm)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("kind", "rumour", "unknown finding kind"),
        ("confidence", 1.5, "confidence must be in"),
        ("disarm", ("T9999",), "unknown DISARM technique"),
    ],
)
def test_invalid_findings_are_refused(field, value, match) -> None:
    with pytest.raises(ValueError, match=match):
        make(**{field: value})


def test_disarm_table_ships_with_attribution() -> None:
    assert disarm.technique("T0049.005").name == "Conduct Swarming"
    assert disarm.technique("T0049.005").tactic == "Maximise Exposure"
    assert "CC BY-SA 4.0" in disarm.ATTRIBUTION
    assert len(disarm.techniques()) > 300


def test_finding_to_dict_names_techniques() -> None:
    d = finding_to_dict(make())
    assert d["disarm"][0] == {"id": "T0049.005", "name": "Conduct Swarming"}
    assert d["method"]["parameters"] == {"window_s": 20}
