"""The YAML config: schema, unknown keys with suggestions, extends, safe loading."""

from __future__ import annotations

import pytest
import yaml
from tests.conftest import EXAMPLES, small_config, write_yaml

from b2bcx.config.models import SIX_PILLARS, load_config, parse_config, todo_comments
from b2bcx.errors import ConfigError


def problems_of(data) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return [p.describe() for p in caught.value.problems] or [caught.value.message]


def codes_of(data) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return [p.code for p in caught.value.problems]


def test_shipped_example_config_loads():
    config = load_config(EXAMPLES / "acme.yaml")
    assert list(config.pillars) == list(SIX_PILLARS)
    assert (
        config.pillar_label("time_and_effort") == "Time and Effort"
    )  # from six_pillars
    assert config.role_weights["decision_maker"] == 0.5


def test_unknown_keys_name_the_path_and_suggest_the_nearest_key():
    data = small_config(rollup={"methd": "mean"})
    data["pillars"]["integrity"]["itmes"] = ["Q1"]
    found = " | ".join(problems_of(data))
    assert "`rollup.methd`" in found and "did you mean `rollup.method`" in found
    assert "`pillars.integrity.itmes`" in found and "`pillars.integrity.items`" in found


def test_all_problems_are_reported_together():
    data = small_config(
        roles={"weights": {"decision_maker": 0, "user": -1}, "decision_role": "boss"}
    )
    data["columns"].pop("account")
    found = problems_of(data)
    assert len(found) >= 3
    assert any("columns.account" in p for p in found)
    assert any("greater than 0" in p for p in found)


def test_cross_references_are_checked():
    data = small_config(
        index={"weights": {"integrty": 2}},
        phases={"ongoing": "resolutoin"},
        composites={"trust": {"from": ["integrity", "Q9"]}},
    )
    data["roles"]["decision_role"] = "decision_makr"
    found = " | ".join(problems_of(data))
    assert "did you mean `integrity`" in found
    assert "unknown pillar `resolutoin`" in found
    assert "`Q9`" in found
    assert "did you mean `decision_maker`" in found


def test_undefined_scale_is_an_error():
    data = small_config(items={"Q1": {"scale": "agree9"}})
    assert any("agree9" in p for p in problems_of(data))


def test_scale_bounds_must_be_ordered():
    data = small_config(scales={"pct": {"min": 100, "max": 0}})
    assert any("must be below" in p for p in problems_of(data))


def test_a_statement_listed_twice_in_a_pillar_is_an_error():
    data = small_config()
    data["pillars"]["integrity"]["items"] = ["Q1", "Q2", "Q1"]
    assert codes_of(data) == ["invalid-config-value"]
    assert "`integrity` lists Q1 more than once" in problems_of(data)[0]


def test_settings_of_an_item_nothing_scores_are_an_error_not_ignored():
    """`items: {Q21: {reverse: true}}` for Q12 lost Q12's reverse coding silently."""
    data = small_config(items={"Q22": {"reverse": True}, "NPS": {"scale": "nps11"}})
    assert codes_of(data) == ["unknown-item"]  # the outcome's settings are used
    found = problems_of(data)
    assert "`items.Q22`" in found[0]
    assert "did you mean `Q2`?" in found[0]


def test_a_role_answer_mapped_to_two_roles_is_an_error():
    data = small_config()
    data["roles"]["map"]["user"] = ["User", " influencer "]
    found = " | ".join(problems_of(data))
    assert "' influencer ' is mapped to both `influencer` and `user`" in found


def test_role_answers_equal_as_the_lookup_reads_them_are_one_answer():
    """The check folded case and spaces but not typographic quotes, which the role
    lookup folds: these two spellings went to one role, the other lost unseen."""
    data = small_config()
    data["roles"]["map"]["user"] = ["Director\u2019s office"]
    data["roles"]["map"]["influencer"] = ["Director's office"]
    found = " | ".join(problems_of(data))
    assert "is mapped to both `influencer` and `user`" in found


def test_extends_shipped_framework_and_path(tmp_path):
    write_yaml(
        tmp_path / "base.yaml",
        {"version": 1, "flags": {"role_gap": 30}, "rollup": {"method": "mean"}},
    )
    child = small_config(
        extends=["six_pillars", "base.yaml"], rollup={"min_respondents": 2}
    )
    unused = [
        "resolution",
        "expectations",
        "time_and_effort",
        "personalisation",
        "empathy",
    ]
    child["pillars"] = {"integrity": {"items": ["Q1", "Q2"]}, **dict.fromkeys(unused)}
    config = load_config(write_yaml(tmp_path / "child.yaml", child))
    assert config.pillar_label("integrity") == "Integrity"
    assert list(config.pillars) == ["integrity"]  # `null` drops inherited pillars
    assert config.flags.role_gap == 30
    assert config.rollup.method == "mean" and config.rollup.min_respondents == 2


def test_extends_unknown_name_suggests(tmp_path):
    path = write_yaml(tmp_path / "c.yaml", small_config(extends="six_pilars"))
    with pytest.raises(ConfigError, match="six_pilars") as caught:
        load_config(path)
    assert "six_pillars" in caught.value.hint


def test_extends_loop_is_refused(tmp_path):
    write_yaml(tmp_path / "a.yaml", {"extends": "b.yaml"})
    write_yaml(tmp_path / "b.yaml", {"extends": "a.yaml"})
    with pytest.raises(ConfigError, match="loops"):
        load_config(tmp_path / "a.yaml")


def test_yaml_python_tags_are_rejected(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text(
        "columns: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("columns: [a, b\n", "brackets from line 1 (while parsing a flow sequence)"),
        ("version: 1\ncolumns:\n\taccount: A\n", "indent with spaces, not tabs"),
        ("columns: !!python/name:os.system\n", "Python object tags are not allowed"),
    ],
)
def test_a_yaml_error_gets_the_hint_of_its_kind(tmp_path, text, hint):
    """A missing bracket was told "Python object tags are not allowed"."""
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        load_config(path)
    assert hint in caught.value.hint
    if "tags" not in hint:
        assert "tags" not in caught.value.hint


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_config_must_be_a_mapping(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_single_role_model_needs_no_weights():
    data = small_config(roles={"single": "customer"})
    config = parse_config(data)
    assert config.role_weights == {"customer": 1.0}


def test_paths_are_relative_to_the_config(tmp_path):
    data = small_config(accounts={"file": "crm.csv", "id": "AccountId"})
    config = load_config(write_yaml(tmp_path / "c.yaml", data))
    assert config.resolve_path("crm.csv") == tmp_path.resolve() / "crm.csv"


def test_account_column_listed_as_a_segment_is_a_config_error():
    """Filling a draft in the obvious way (the account also under segments) once
    crashed `score` with an internal KeyError; it is a config error naming both."""
    data = small_config()
    data["columns"]["segments"] = ["Region", "Account"]
    found = " | ".join(problems_of(data))
    assert "account column `Account` is also listed as a segment" in found
    assert "columns.segments" in found


def test_score_refuses_the_account_as_a_segment_on_the_example(tmp_path):
    from typer.testing import CliRunner

    from b2bcx.cli import app

    config = load_config(EXAMPLES / "acme.yaml")
    data = yaml.safe_load((EXAMPLES / "acme.yaml").read_text(encoding="utf-8"))
    account = config.columns.account
    data["columns"]["segments"] = [account, *config.columns.segments]
    path = write_yaml(tmp_path / "program.yaml", data)
    out = tmp_path / "scores.xlsx"
    result = CliRunner().invoke(
        app,
        ["score", str(EXAMPLES / "acme_2026q3.csv"), "-c", str(path), "-o", str(out)],
    )
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert account in result.output and "columns.segments" in result.output
    assert not out.exists()


def test_a_todo_comment_is_reported_whole_not_cut_at_its_first_line():
    """`init` wraps long TODOs; the problem stopped at "each was put in the"."""
    text = (
        "roles:\n"
        "  # TODO map: no role word recognised; each was put in the\n"
        "  # most plausible role, `user`. Check them:\n"
        "  #   Some answer\n"
        "  map: {user: [Some answer]}\n"
        "  # evidence: not part of it\n"
        "# TODO: a second one\n"
        "# (its own words)\n"
    )
    found = [p.problem for p in todo_comments(text)]
    assert found == [
        "line 2: TODO map: no role word recognised; each was put in the most "
        "plausible role, `user`. Check them:",
        "line 7: TODO: a second one (its own words)",
    ]


def test_a_schema_problem_names_the_line_its_key_is_on(tmp_path):
    """A problem gave the key path only; in a long config the line finds it."""
    path = tmp_path / "typos.yaml"
    path.write_text(
        "version: 1\n"
        "extends: six_pillars\n"
        "columns: {respondent: Id, account: Account, role: Role}\n"
        "pilars:\n"
        "  integrity: {items: [Q1]}\n"
        "roles:\n"
        "  weights:\n"
        "    decision_maker: half\n"
        "    user: 0.5\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    found = {p.code: p.problem for p in caught.value.problems}
    assert found["unknown-config-key"] == "unknown key `pilars` (line 4)"
    assert found["invalid-config-value"].startswith(
        "`roles.weights.decision_maker` (line 8): "
    )


def test_a_key_not_written_in_the_file_gets_no_line():
    """Data with no file (the library's parse_config) names the key alone."""
    data = small_config()
    data["roles"]["weights"]["user"] = "x"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    (problem,) = caught.value.problems
    assert problem.problem.startswith("`roles.weights.user`: ")


def test_a_cross_reference_problem_names_the_line_of_its_key(tmp_path):
    path = tmp_path / "xref.yaml"
    path.write_text(
        "version: 1\n"
        "columns: {respondent: Id, account: Account, role: Role}\n"
        "pillars:\n"
        "  a: {items: [Q1, Q2]}\n"
        "roles:\n"
        "  weights: {decision_maker: 0.5, user: 0.5}\n"
        "  decision_role: decison_maker\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (problem,) = [p for p in caught.value.problems if p.code == "unknown-role"]
    assert problem.problem.endswith("(`roles.decision_role`, line 7)")
