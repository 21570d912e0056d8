"""The committed graphql_api/schema.graphql is what the code prints: clients and reviewers read that file."""

from graphql_api.export_schema import REGENERATE_COMMAND, SCHEMA_FILE, committed_sdl, schema_diff, schema_sdl


def test_committed_schema_matches_the_code():
    committed = committed_sdl()
    assert committed is not None, f"{SCHEMA_FILE} is missing; run: {REGENERATE_COMMAND}"
    if committed != schema_sdl():
        diff = schema_diff(context=2)
        if len(diff) > 4000:
            diff = diff[:4000] + "\n… (diff truncated)"
        raise AssertionError(
            f"{SCHEMA_FILE.name} differs from the schema the code prints; run: {REGENERATE_COMMAND}\n\n{diff}"
        )


def test_schema_file_is_sdl_of_the_root_types():
    sdl = schema_sdl()
    assert "type Query {" in sdl
    assert "type Mutation {" in sdl
    assert "principalCreate(" in sdl
    assert sdl.endswith("}\n")
