"""Fixed test vectors for the draw recipe YCZJCS-DRAW-v1 (PRODUCT.md, "Public contracts").

Every expected hash below is a literal computed *outside* this code base, with coreutils
and cross-checked with Node's crypto module, so a bug in ``bidding/draw.py`` cannot hide in
its own expectations. The shell recipe, for a pool file ``codes.txt`` with one code a line::

    nonce_hex=$(for i in $(seq 0 31); do printf '%02x' "$i"; done)
    printf '%s' "$nonce_hex" | xxd -r -p | sha256sum                     # commitment
    pool=$(LC_ALL=C sort codes.txt)                                       # no trailing newline
    pool_hash=$(printf '%s' "$pool" | sha256sum | cut -d' ' -f1)
    seed=$(printf 'YCZJCS-DRAW-v1|%s|%s|%s' YC-2026-000123 "$pool_hash" "$nonce_hex" \\
           | sha256sum | cut -d' ' -f1)
    for c in $pool; do                                                    # score of each code
      { printf '%s' "$seed" | xxd -r -p; printf '%s' "$c"; } | sha256sum
    done                                                                  # then sort by score

The unified social credit codes are real-format codes whose check characters were computed
with an independent Node implementation of GB 32100-2015; the three in ``POOL_3`` are codes
printed on the business licences of large companies.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bidding import draw

NONCE = bytes(range(32))
NONCE_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
COMMITMENT = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
REQUEST_CODE = "YC-2026-000123"
DRAWN_AT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))

POOL_1 = ["91360983MA38N5RY1Y"]
POOL_1_HASH = "5a83d004a59c181c06791427b06e37a74a28f82637a26d39d245ac2131b6b0ed"
SEED_1 = "427de805a2904e4b6c33d741b4c5d6c65b4ac5dac1e0e0361e8566d7ddb1d656"
RANKING_1 = [
    ("91360983MA38N5RY1Y", "6cc77ae21680e7a35d5fc8e9a4e550342c937b71695e9231dd25e96f25939da6"),
]

# In sign-up order, deliberately not sorted.
POOL_3 = ["9144030071526726XG", "914403001922038216", "91330100716105852F"]
POOL_3_BYTES = b"91330100716105852F\n914403001922038216\n9144030071526726XG"
POOL_3_HASH = "3c89090152de78e16d6fdc0f65681b47e9a0df7a2f34802bb1094f13dab646fb"
SEED_3 = "dcd419a90fe2ac4fbd945a4f4be73f0abf2a5781f1866d72779ccf19320c3419"
RANKING_3 = [
    ("91330100716105852F", "39b1e326b865d1bffe0ff7392aa5e9e51d8d48c99a00057715470637738d326f"),
    ("914403001922038216", "40cc05cedfe91e203132dab744a650eb6b67540eb7906a2686224168986b0182"),
    ("9144030071526726XG", "a83f4f4cbccd4e242b19d976494c85bf6ccdd9076297f2ac45e331f211c121b5"),
]
EXCLUDED_3 = [{"code": "91360983MA38N5RY1Y", "reason": "信用受限 credit restriction"}]

# In generation (sign-up) order, not sorted.
POOL_50 = [
    "91440300MA4AT09JN7",
    "91440300MABERWLJUD",
    "91360982MATKD6BUUT",
    "91360923MA64X92UG6",
    "91440300MAHNDKDJP5",
    "91360923MA67M4Q32L",
    "91440300MAM4BTCKBQ",
    "91440300MA05H2RT09",
    "91360982MAQ52TN6XL",
    "91360900MAJ3YHW30E",
    "91360900MAEGJBRHMD",
    "91360921MA8M617W2P",
    "91360923MACPC7UBL4",
    "91360923MAE3UB5XHA",
    "91360921MAX08XPTB2",
    "91360900MADKN5MB54",
    "91360900MAW230N8EC",
    "91360921MAGR19C39Y",
    "91440300MAHH2H1CJT",
    "91360982MA6PCE350K",
    "91360982MAL7YXUHME",
    "91360923MAYPMREWHR",
    "91360923MAMX40N0PC",
    "91360982MA440TTQHT",
    "91360921MAHHUEUHQ0",
    "91360900MAG6F3NHXN",
    "91360900MAR31EQUE1",
    "91360982MAAP2CPRAM",
    "91360921MA48WFHJM6",
    "91440300MAJETTXWMW",
    "91360900MAD6YABQKL",
    "91360982MAD1P74CYJ",
    "91360921MAN3CP3PK6",
    "91360982MATF65RMAP",
    "91440300MAY953RUGA",
    "91360982MAP2DDWPCW",
    "91360982MAG6JWEN4M",
    "91360982MAC5NA7FTC",
    "91440300MAQX2GF0K4",
    "91360921MA0M4B5EAX",
    "91360921MABL5X99HG",
    "91360982MAUA7N22RU",
    "91440300MAQW1YHD36",
    "91360982MA1A12A4LU",
    "91440300MAN989LHN7",
    "91440300MAH23WGYJ3",
    "91440300MA4MQ63NJ5",
    "91440300MAL7YRA55R",
    "91360923MAKCQW6TN6",
    "91360921MAMPUF6NJT",
]
POOL_50_HASH = "cca286a04551f98e4816df23ba7626ad5282348eff2f267491608984daad2303"
SEED_50 = "b199bdbae78231c05161a9a6c29f2f41f151b9f38edc491b6866b78c96a71e8d"
RANKING_50 = [
    ("91360982MAP2DDWPCW", "03cd43652f64ff51749fd0a78e8d779a251edb74ea489ee69d6ae1174e206195"),
    ("91360982MATKD6BUUT", "08d17f483267e9d63b0c6f39f16baa9609b95eb4976b0694862f5b270ab1e4ca"),
    ("91360921MAHHUEUHQ0", "09fc47d5f46ace324af00cde971a441b8fea7709450423decc97015173601fa4"),
    ("91360982MA6PCE350K", "110e255e24132200777df91d406bcae76f3d80c1bf48b960d1deee6349298577"),
    ("91360923MAYPMREWHR", "112650b68ee029641fccc2fe4581ff5ea4fc28b6487d676ecea21721411f3f0c"),
    ("91360921MAGR19C39Y", "154154de1ad0357b8cbfcfb4251d3d5e7356211472d240960f281387cd439e1b"),
    ("91440300MAQX2GF0K4", "160c5a36d00775e3c5ccd612d9cf6cc70d68945c56a5b6cec15a4dd4afde27f9"),
    ("91360923MA67M4Q32L", "18fa1cfad3bda93c56ceeba107d4be55e3a8271f9c74fb311c9a0e150e33735f"),
    ("91360921MA48WFHJM6", "1aebbd4ed4aea79ce7b053ccbec3921db7a87feff2cccc3dec660276dfb090eb"),
    ("91360900MAD6YABQKL", "1eab699a7d2675b0ad3583e44a3f15aa5d845d2d4461de62d28ee51b21b0e9c0"),
    ("91440300MAY953RUGA", "2384de4a4a1c015df03d556cc1620c254e0a9ac9a450f12664389e854cbbe7d4"),
    ("91360900MAW230N8EC", "30c4cd565889fc214f82a503a7527929b57f8a393627009cddf3aebc5542f155"),
    ("91440300MA05H2RT09", "3392df679ffba8c3f57381cc04a3c42e82d99606237d220676f8edb558f392a6"),
    ("91440300MAHNDKDJP5", "347fa43fdb9d2ff15af6f02a6a7ae351d46a2bc59c61593a7fbe742885b89530"),
    ("91360900MAJ3YHW30E", "3cb8a6c015717109e4303fcf5ad5a7b60c07f9bd0677608c07b435c2022a93eb"),
    ("91360982MAUA7N22RU", "3e52e4a1ece468b038e1bdc97bdbaaf50fadd46da734d06092799aa9e3d3b5bd"),
    ("91360921MAN3CP3PK6", "416d4c14d5aa0602d3e09081e8949afefb29f6d47ef78d5dcf75ae747c9086a6"),
    ("91440300MA4AT09JN7", "4610a0521772d07ff6376ccd689c0625915b0ca47b46f2fcfbc8513fab201992"),
    ("91360982MAQ52TN6XL", "489625141d77a3f071ba159ebcab91afac817765b5aa4b3fd7153c2dd1d9a7fe"),
    ("91360921MABL5X99HG", "4a769a09781d4831cc41b29b441a5173879da5341bfd40d3a0974520f5b167d3"),
    ("91360900MADKN5MB54", "576789cee63cb257b02ea3b68ba58bea61de54d725280c0399724858069161a3"),
    ("91360923MAE3UB5XHA", "5831eb4935731b45cbe903565a4d4305cd5cd9f1dac54d7467b6ac6b397c2492"),
    ("91440300MAJETTXWMW", "59804e30567d849f5cf82ec019a0c8de158060fbeb66275952fd50fde95d984c"),
    ("91360921MAMPUF6NJT", "65ee2c2c2c1303772573988eed76c748ddcd3b30b28dc6ec2373ba8d1ad10999"),
    ("91440300MAM4BTCKBQ", "667bfbf719e57ad26698ad036613de89903f8ddad439cf36b689b134fac8cd7c"),
    ("91360900MAR31EQUE1", "6a9cb3e9529e147863a0c42660a6c0cf240417ed337bbca138fd9cc1add0640b"),
    ("91440300MAL7YRA55R", "7865bdc2d4120de5acdde16d5f3c2c7ba4f3664f1557fcac3c8b03bd2b086bf2"),
    ("91360921MA8M617W2P", "8a388f26c6dc979f236ab347b2c505eb674e03f9eac3ed33ca3f8d6ed742b77d"),
    ("91440300MAN989LHN7", "8ddc3d58d34756428ef4d08ea38a57f722a90db8fb03e0a75c9461a7eab2cdff"),
    ("91360982MAAP2CPRAM", "93263949e27e6710da7667c25b55946c6217ee1bc64ba8c207612924803241c4"),
    ("91440300MAH23WGYJ3", "99cc4182077e0c99c2b0126b9d0d895215ef93efdb6d153409410d3e081878c7"),
    ("91360982MAC5NA7FTC", "9bc8153910618d9ec097d2991a167f8b0753c765585afb4a69f0b1daffe2627c"),
    ("91360923MAMX40N0PC", "a292d8dba602954d53ffa7859db0080a39243d352416168a865a44be239903ad"),
    ("91440300MAQW1YHD36", "a30a6eef215b5c59d795e00e335b518ce70771e232d371606e50b2bd34ca9f55"),
    ("91360982MAG6JWEN4M", "a7a982eef21879dc603da33126edfd5254d61bfc340bac661365ad237b7c9a4d"),
    ("91360982MA1A12A4LU", "a7ac762120ecf6aca4160266d85152e7f847a2d95a5fef5b42e87f5beadd2d11"),
    ("91360900MAG6F3NHXN", "b79f30a11b7a2108ea92cb11b9e384df0f7962aafa5231700063ff03aee94b62"),
    ("91360900MAEGJBRHMD", "b7c2cb13755fd31faf4b55a2b8e7b76f39bcaf3d1112f9f458f19e25340700f6"),
    ("91440300MAHH2H1CJT", "b89c9dd4de3b873b7030c7b48d9bcdda1f950bb39df9b12c528b36b7299861b1"),
    ("91360921MAX08XPTB2", "bd433fb28ee4bebf34b69b4ad8dcfa1529f9ee5d6f64c2e914546e1ca7fcd2b1"),
    ("91440300MABERWLJUD", "bd87afc23e596eafb869a8023c66693c619d1b5755a4eb619d9e1b1367c23875"),
    ("91360982MAL7YXUHME", "c3d0fc329ab0f530fd637407a1d662ad70120ae405609e12f3acc07cdd154f09"),
    ("91360923MAKCQW6TN6", "d34ca6e945fae96aff31e861475cd0786cf47e1d039f569eaba90f70b3c0ba33"),
    ("91360982MATF65RMAP", "d55a560a723697a4ab88668c3305101702ed1e0a6891e9e1746a7aa32ece8e4a"),
    ("91360923MA64X92UG6", "e01c26bca04b63c777f1773d0647200bb95c1e134c0465ec98472576bbd5b12a"),
    ("91360921MA0M4B5EAX", "e4d00b995362c9d3fa0b97be198ef2d248aea6859b9ec7a4716edab6009f2f0e"),
    ("91360982MA440TTQHT", "ead52353bb50e3c2ab8c217ae6b598473660e672c74aa762fc130270fad9ba91"),
    ("91440300MA4MQ63NJ5", "f2dc30e4439bb51926bd81309e253764191d5021369a041b6ae3cd0b66ee1852"),
    ("91360982MAD1P74CYJ", "f76bec9ceb4a0b19170d3a97b7e95427584df128844af587dcc6bd4f27e798b8"),
    ("91360923MACPC7UBL4", "f78b43697535523cb923e80049ec5fb30b734239e687bc14a00ff3af6dc81ada"),
]

VECTORS = [
    pytest.param(POOL_1, [], POOL_1_HASH, SEED_1, RANKING_1, id="pool-of-1"),
    pytest.param(POOL_3, EXCLUDED_3, POOL_3_HASH, SEED_3, RANKING_3, id="pool-of-3"),
    pytest.param(POOL_50, [], POOL_50_HASH, SEED_50, RANKING_50, id="pool-of-50"),
]


def test_commitment_of_the_fixed_nonce():
    assert NONCE.hex() == NONCE_HEX
    assert draw.commitment_of(NONCE) == COMMITMENT


def test_pool_bytes_are_sorted_joined_without_trailing_newline():
    assert draw.pool_bytes(POOL_3) == POOL_3_BYTES
    assert draw.pool_bytes(POOL_1) == POOL_1[0].encode()


@pytest.mark.parametrize(("pool", "excluded", "pool_hash", "seed", "ranking"), VECTORS)
def test_recipe_steps(pool, excluded, pool_hash, seed, ranking):
    assert draw.pool_hash(pool) == pool_hash
    assert (
        draw.derive_seed(request_code=REQUEST_CODE, pool_hash=pool_hash, nonce_hex=NONCE_HEX)
        == seed
    )
    assert draw.rank(seed=seed, codes=pool) == ranking
    for code, code_score in ranking:
        assert draw.score(seed, code) == code_score


@pytest.mark.parametrize(("pool", "excluded", "pool_hash", "seed", "ranking"), VECTORS)
def test_build_record_matches_the_vectors(pool, excluded, pool_hash, seed, ranking):
    record = draw.build_record(
        request_code=REQUEST_CODE,
        nonce=NONCE,
        commitment=COMMITMENT,
        pool=pool,
        excluded=excluded,
        drawn_at=DRAWN_AT,
    )
    assert record == {
        "algorithm": "YCZJCS-DRAW-v1",
        "request_code": REQUEST_CODE,
        "commitment": COMMITMENT,
        "nonce": NONCE_HEX,
        "pool": sorted(pool),
        "pool_hash": pool_hash,
        "excluded": excluded,
        "seed": seed,
        "ranking": [{"code": code, "score": code_score} for code, code_score in ranking],
        "drawn_at": "2026-03-02T10:00:00+08:00",
    }
    assert list(record) == [
        "algorithm",
        "request_code",
        "commitment",
        "nonce",
        "pool",
        "pool_hash",
        "excluded",
        "seed",
        "ranking",
        "drawn_at",
    ]
    assert all(check.ok for check in draw.verify_record(record))
    assert draw.record_winner(record) == ranking[0][0]


def test_the_50_firm_draw_winner_and_substitutes():
    ranking = draw.rank(seed=SEED_50, codes=POOL_50)
    assert ranking[0] == (
        "91360982MAP2DDWPCW",
        "03cd43652f64ff51749fd0a78e8d779a251edb74ea489ee69d6ae1174e206195",
    )
    assert [code for code, _ in ranking[1:3]] == ["91360982MATKD6BUUT", "91360921MAHHUEUHQ0"]
    assert sorted(code for code, _ in ranking) == sorted(POOL_50)


def test_ties_on_score_are_broken_by_code():
    # A score collision cannot be produced on purpose; check the documented key directly.
    ranking = draw.rank(seed=SEED_3, codes=POOL_3)
    assert ranking == sorted(ranking, key=lambda pair: (pair[1], pair[0]))


def test_all_vector_codes_are_valid_uscc():
    for code in [*POOL_1, *POOL_3, *POOL_50]:
        assert draw.uscc_is_valid(code), code


def test_make_nonce_is_32_fresh_bytes():
    first, second = draw.make_nonce(), draw.make_nonce()
    assert len(first) == len(second) == 32
    assert first != second
    assert len(draw.commitment_of(first)) == 64


def test_drawn_at_in_utc_keeps_its_offset():
    record = draw.build_record(
        request_code=REQUEST_CODE,
        nonce=NONCE,
        commitment=COMMITMENT,
        pool=POOL_3,
        excluded=[],
        drawn_at=datetime(2026, 3, 2, 2, 0, 0, 123456, tzinfo=UTC),
    )
    assert record["drawn_at"] == "2026-03-02T02:00:00.123456+00:00"
    assert record["seed"] == SEED_3  # drawn_at is not an input of the recipe


def _build(**overrides):
    arguments = {
        "request_code": REQUEST_CODE,
        "nonce": NONCE,
        "commitment": COMMITMENT,
        "pool": POOL_3,
        "excluded": [],
        "drawn_at": DRAWN_AT,
    }
    arguments.update(overrides)
    return draw.build_record(**arguments)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"commitment": "0" * 64}, "commitment", id="wrong-commitment"),
        pytest.param({"nonce": bytes(32)}, "commitment", id="other-nonce"),
        pytest.param(
            {"nonce": bytes(16), "commitment": draw.commitment_of(bytes(16))},
            "32 bytes",
            id="short-nonce",
        ),
        pytest.param({"drawn_at": datetime(2026, 3, 2, 10, 0)}, "timezone", id="naive-drawn-at"),
        pytest.param({"pool": []}, "empty", id="empty-pool"),
        pytest.param({"pool": [*POOL_3, POOL_3[0]]}, "twice", id="duplicate-code"),
        pytest.param(
            {"pool": [*POOL_3[:2], "9144030071526726XA"]}, "invalid USCC", id="bad-check-char"
        ),
        pytest.param(
            {"excluded": [{"code": POOL_3[0], "reason": "回避"}]},
            "in the pool",
            id="excluded-in-pool",
        ),
        pytest.param({"excluded": [{"code": POOL_1[0], "reason": ""}]}, "reason", id="no-reason"),
        pytest.param({"request_code": ""}, "request_code", id="empty-request-code"),
    ],
)
def test_build_record_refuses_a_record_that_would_not_verify(overrides, message):
    with pytest.raises(ValueError, match=message):
        _build(**overrides)
