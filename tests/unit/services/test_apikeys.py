from roofkit_events import apikeys


def test_generated_keys_are_well_formed_and_distinct() -> None:
    keys = {apikeys.generate() for _ in range(200)}
    assert len(keys) == 200
    assert all(apikeys.well_formed(k) and k.startswith("rk_live_") for k in keys)
    assert apikeys.well_formed(apikeys.generate(live=False))


def test_a_changed_character_breaks_the_checksum() -> None:
    key = apikeys.generate()
    body_index = len("rk_live_") + 5
    replacement = "A" if key[body_index] != "A" else "B"
    tampered = key[:body_index] + replacement + key[body_index + 1 :]
    assert not apikeys.well_formed(tampered)


def test_wrong_prefix_length_or_alphabet_is_malformed() -> None:
    key = apikeys.generate()
    assert not apikeys.well_formed("rk_prod_" + key[8:])
    assert not apikeys.well_formed(key[:-1])
    assert not apikeys.well_formed(key + "x")
    assert not apikeys.well_formed(key[:20] + "-" + key[21:])
    assert not apikeys.well_formed("")


def test_only_the_display_prefix_is_shown_and_the_hash_is_sha256() -> None:
    key = apikeys.generate()
    assert apikeys.display_prefix(key) == key[:12]
    assert len(apikeys.key_hash(key)) == 32
