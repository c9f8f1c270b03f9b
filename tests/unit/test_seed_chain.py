"""The chained seed (NGSC 1.5; in lanes, NGSC 1.8): the in-place DNA_K8 kernels against
the plain-Python reference, the encoders' walk, the footer's form field, and the readers' walk (in
order, backwards, after damage) on archives whose seed sub-blocks code their bases
from the ones before them."""

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import phyngsc
from phyngsc.codecs.defs.dna_k8 import worst_case
from phyngsc.codecs.dna_k8 import dna_k8_decode_into, dna_k8_encode_into, dna_k8_learn_into
from phyngsc.codecs.dna_exceptions import base_codes
from phyngsc.codecs.registry import ROLE_SEED, ROLE_SEEDED
from phyngsc.codecs.seed_workspace import model_table
from phyngsc import seed as seed_module
from phyngsc.errors import ArchiveError
from phyngsc.format.container import FormatViolation
from phyngsc.format.footer import Footer, SeedInfo
from phyngsc.seed import (FORM_CHAIN, FORM_CHAIN_LANES, SeedText, chain_decode, chain_learn,
                          chain_streams, chain_table, prepare, replace_stream)
from tests.reference import ref_rans

from ..conftest import DATA
from .test_seed import _compress, _footer, deep_fastq  # noqa: F401 - fixture

READS = st.lists(st.text(alphabet="ACGTN", max_size=20), max_size=8)


def arr(b: bytes) -> np.ndarray:
    return np.frombuffer(b, np.uint8)


def _lens(reads) -> np.ndarray:
    return np.array([len(r) for r in reads], np.int64)


# -- kernels against the reference ------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.lists(READS, min_size=1, max_size=4), st.integers(1, 5), st.booleans(),
       st.integers(1, 127))
def test_chain_kernels_match_reference(parts, k, rc, inc):
    """Part i coded from the table learned on parts 0..i-1 (context 0 at each part), the
    table learning in place: the reference codes each part from a copy of its model,
    then runs the part through it."""
    ref = ref_rans.K8Model(k, rc, inc)
    enc_table, dec_table, learn_table = (np.ones(4 << 2 * k, np.uint8) for _ in range(3))
    for reads in parts:
        data = "".join(reads).encode()
        lengths = [len(r) for r in reads]
        want = ref_rans.dna_k8(data, lengths, k, rc, inc, ref)
        ref.run(data, lengths)
        out = np.zeros(worst_case(len(data)), np.uint8)
        n = dna_k8_encode_into(arr(data), _lens(reads), out, k, rc, inc, enc_table)
        assert out[:n].tobytes() == want
        got = np.zeros(len(data), np.uint8)
        assert dna_k8_decode_into(out[:n], _lens(reads), got, dec_table) == 0
        assert got.tobytes() == data
        dna_k8_learn_into(learn_table, base_codes(arr(data)), _lens(reads), k, rc, inc)
        assert enc_table.tolist() == dec_table.tolist() == learn_table.tolist() == ref.dense()


@settings(max_examples=40, deadline=None)
@given(st.lists(READS, min_size=1, max_size=4), st.integers(1, 5), st.booleans(),
       st.integers(1, 127), st.sampled_from([2, 4, 8, 16]))
def test_chain_kernels_in_lanes_match_reference(parts, k, rc, inc, lanes):
    """The same walk in lanes (NGSC 1.8): coding, decoding and learning alone leave the
    table the reference's lanes leave, part after part."""
    ref = ref_rans.K8Model(k, rc, inc)
    enc_table, dec_table, learn_table = (np.ones(4 << 2 * k, np.uint8) for _ in range(3))
    for reads in parts:
        data = "".join(reads).encode()
        lengths = [len(r) for r in reads]
        want = ref_rans.dna_k8_lanes(data, lengths, k, rc, inc, lanes, ref)
        ref.run_lanes(data, lengths, [lambda *_a: None] * lanes)
        out = np.zeros(worst_case(len(data)) + 4 * lanes, np.uint8)
        n = dna_k8_encode_into(arr(data), _lens(reads), out, k, rc, inc, enc_table, lanes)
        assert out[:n].tobytes() == want
        got = np.zeros(len(data), np.uint8)
        assert dna_k8_decode_into(out[:n], _lens(reads), got, dec_table) == 0
        assert got.tobytes() == data
        dna_k8_learn_into(learn_table, base_codes(arr(data)), _lens(reads), k, rc, inc, lanes)
        assert enc_table.tolist() == dec_table.tolist() == learn_table.tolist() == ref.dense()


def test_in_place_kernels_refuse_a_table_of_another_order():
    data = arr(b"ACGTACGTTGCA")
    out = np.zeros(worst_case(data.size), np.uint8)
    assert dna_k8_encode_into(data, _lens([data]), out, 4, True, 2,
                              np.ones(4 << 6, np.uint8)) == -1
    n = dna_k8_encode_into(data, _lens([data]), out, 3, True, 2, np.ones(4 << 6, np.uint8))
    assert n > 0
    assert dna_k8_decode_into(out[:n], _lens([data]), np.zeros(data.size, np.uint8),
                              np.ones(4 << 8, np.uint8)) == 1


# -- the encoders' walk ------------------------------------------------------------------
SEQS = (DATA / "err127302_1_200.fastq").read_bytes().split(b"\n")[1::4][:120]


def _text(parts) -> SeedText:
    reads = [r for p in parts for r in p]
    return SeedText(arr(b"".join(reads)).copy(), _lens(reads),
                    np.array([len(p) for p in parts], np.int64),
                    np.array([1000 * i for i in range(len(parts))], np.int64))


CHAINS = [(FORM_CHAIN, 1), (FORM_CHAIN_LANES, 2), (FORM_CHAIN_LANES, 16)]


@pytest.mark.parametrize("form,lanes", CHAINS)
def test_prepare_walks_the_chain_and_decodes_back(form, lanes):
    parts = [SEQS[0:40], SEQS[40:41], SEQS[41:120]]
    seed = SeedInfo(3, 6, True, 3, form, lanes)
    seeding = prepare(_text(parts), seed, 5000)
    assert seeding.end == 5000 and sorted(seeding.streams) == [0, 1000, 2000]
    table = chain_table(seed)
    learned = chain_table(seed)
    for i, part in enumerate(parts):
        stream, n_bases = seeding.streams[1000 * i]
        data = b"".join(part)
        assert n_bases == len(data)
        got = chain_decode(table, arr(stream), _lens(part), n_bases, seed)
        assert got is not None and got.tobytes() == data
        chain_learn(learned, arr(data), _lens(part), seed)
    model = model_table(seeding.model, seed.k)          # the workspace's first row
    assert np.array_equal(table, model) and np.array_equal(learned, model)
    # working rows are filled only once a seeded sub-block comes
    assert seeding.filled == 1
    only_seed = seeding.model_for(np.array([ROLE_SEED, ROLE_SEED]))
    assert only_seed.size == model.size and np.array_equal(only_seed, model)
    assert seeding.filled == 1
    # seeded candidates are static (NGSC 1.11): they share the model row, none is filled
    static = seeding.model_for(np.array([ROLE_SEED, ROLE_SEEDED]))
    assert static.size == model.size and np.shares_memory(static, model)
    assert seeding.filled == 1
    with pytest.MonkeyPatch.context() as mp:       # a preset whose seeded sub-blocks learn
        mp.setattr(seed_module, "SEEDED_LEARN", True)
        ws = seeding.model_for(np.array([ROLE_SEED, ROLE_SEEDED]))
    rows = ws.size // model.size
    assert rows >= 2 and np.array_equal(ws, np.tile(model, rows))
    assert seeding.filled == 0 and seeding.model_for(np.array([ROLE_SEED])) is ws
    # a stream of other settings than the seed's is refused, the table left alone
    stream, n_bases = seeding.streams[1000]
    for other in (SeedInfo(3, 6, True, 4, form, lanes),
                  SeedInfo(3, 6, True, 3, *CHAINS[(CHAINS.index((form, lanes)) + 1) % 3])):
        assert chain_decode(chain_table(other), arr(stream), _lens(parts[1]), n_bases,
                            other) is None
    assert chain_decode(chain_table(seed), arr(stream[:2]), _lens(parts[1]), n_bases,
                        seed) is None


@pytest.mark.parametrize("form,lanes", CHAINS)
def test_a_rank_codes_only_its_own_seed_sub_blocks_and_learns_the_rest(form, lanes):
    parts = [SEQS[0:10], SEQS[10:20], SEQS[20:30], SEQS[30:40]]
    seed = SeedInfo(4, 5, True, 3, form, lanes)
    whole = prepare(_text(parts), seed, 4000)
    mine = prepare(_text(parts), seed, 4000, own=(1000, 3000))
    assert sorted(mine.streams) == [1000, 2000]
    for key in (1000, 2000):
        assert mine.streams[key] == whole.streams[key]
    seeded = np.array([ROLE_SEEDED])
    # learning == coding's table (the model rows that seeded sub-blocks code from)
    assert np.array_equal(mine.model_for(seeded), whole.model_for(seeded))
    none = prepare(_text(parts), seed, 4000, own=(4000, 9000))
    assert none.streams == {} and np.array_equal(none.model_for(seeded),
                                                 model_table(whole.model, seed.k))


def test_prepare_checks_its_sub_blocks():
    with pytest.raises(ValueError, match="seed text"):
        prepare(_text([SEQS[:5], SEQS[5:9]]), SeedInfo(3, 4, True, 2, FORM_CHAIN), 10)


@pytest.mark.parametrize("form,lanes", CHAINS)
def test_chained_decoder_survives_truncation_and_bit_flips(form, lanes):
    part = SEQS[:30]
    seed = SeedInfo(1, 8, True, 3, form, lanes)
    stream, n = prepare(_text([part]), seed, 10).streams[0]
    rng = np.random.default_rng(3)
    for cut in range(0, len(stream), 7):
        got = chain_decode(chain_table(seed), arr(stream[:cut]), _lens(part), n, seed)
        assert got is None or got.size == n
    for _ in range(200):
        bad = bytearray(stream)
        bad[int(rng.integers(len(bad)))] ^= 1 << int(rng.integers(8))
        got = chain_decode(chain_table(seed), arr(bytes(bad)), _lens(part), n, seed)
        assert got is None or got.size == n


def test_chain_streams_replaces_only_smaller_seed_streams():
    from phyngsc.subblocks import encode_spans
    from phyngsc.seed import Seeding
    text = (DATA / "err127302_1_200.fastq").read_bytes()
    cut = text.index(b"\n@", len(text) // 2) + 1
    buf = arr(text)
    starts, ends = np.array([0, cut]), np.array([cut, len(text)])
    roles = np.array([ROLE_SEED, ROLE_SEEDED])
    plain = encode_spans(buf, starts, ends, base=0, file_index=0, level=5)
    dna = plain[0].header.streams[1]
    streams = {0: (b"\x07" * 5, dna.decoded_length)}   # smaller: taken, as is
    out = chain_streams(plain, roles, Seeding(cut, np.zeros(0, np.uint8), streams))
    assert out[1] is plain[1] and streams == {}        # used: it leaves the seeding
    h = out[0].header
    assert h.streams[1].codec == phyngsc.codecs.registry.CODEC_ID["dna-seeded"]
    assert h.streams[1].encoded_length == 5 and h.streams[1].decoded_length == dna.decoded_length
    start = len(h.pack()) + h.streams[0].encoded_length
    assert out[0].data[start:start + 5] == b"\x07" * 5
    body = len(plain[0].data) - len(plain[0].header.pack())
    assert len(out[0].data) - len(h.pack()) == body - dna.encoded_length + 5
    from phyngsc.format.subblock import SubBlockHeader
    assert SubBlockHeader.unpack_checked(out[0].data, {0, 13} | {
        x.codec for x in h.streams})[0] == h
    big = {0: (b"\x07" * (dna.encoded_length + 1), dna.decoded_length)}
    assert chain_streams(plain, roles, Seeding(cut, np.zeros(0, np.uint8), big))[0] is plain[0]
    with pytest.raises(RuntimeError, match="no chained stream"):
        chain_streams(plain, roles, Seeding(cut, np.zeros(0, np.uint8),
                                            {0: (b"x", dna.decoded_length + 1)}))
    # replace_stream keeps every other stream's bytes
    header, data = replace_stream(plain[0].data, 2, 0, b"abc")
    assert header.streams[2].encoded_length == 3 and header.streams[1] == dna
    assert data.endswith(plain[0].data[len(plain[0].data) - sum(
        s.encoded_length for s in plain[0].header.streams[3:]):])


# -- the footer's form -------------------------------------------------------------------
@pytest.mark.parametrize("seed", [SeedInfo(2, 12, True, 3, 1), SeedInfo(4, 13, False, 127, 1),
                                  SeedInfo(1, 1, True, 1, 0), SeedInfo(3, 12, True, 3, 2, 8),
                                  SeedInfo(1, 14, False, 24, 2, 2),
                                  SeedInfo(2, 5, True, 3, 2, 16)])
def test_footer_seed_form_round_trips(seed):
    assert Footer.unpack(_footer(seed).pack()).seed == seed
    assert seed.chained == (seed.form != 0)


@pytest.mark.parametrize("seed", [SeedInfo(2, 12, True, 3, 3), SeedInfo(2, 12, True, 3, 2, 1),
                                  SeedInfo(2, 12, True, 3, 2, 32)])
def test_footer_seed_form_out_of_range_is_refused(seed):
    """Forms past 2, a form-2 chain of one lane or of more than 16."""
    with pytest.raises(FormatViolation, match="seed"):
        Footer.unpack(_footer(seed).pack())


def test_footer_cut_inside_the_lane_byte_is_refused():
    data = _footer(SeedInfo(3, 12, True, 3, 2, 8)).pack()
    with pytest.raises(FormatViolation):
        Footer.unpack(data[:-1])


# -- archives ----------------------------------------------------------------------------
def _records(path):
    lines = path.read_bytes().split(b"\n")
    return [b"\n".join(lines[4 * i:4 * i + 4]) + b"\n" for i in range(len(lines) // 4)]


def test_chained_seed_sub_blocks_code_their_bases_from_the_chain(deep_fastq, tmp_path):
    arch = tmp_path / "c.ngsc"
    _compress(deep_fastq, arch, level=5, seed=4096 * 6)
    with phyngsc.open(str(arch)) as a:
        seed = a.footer.seed
        assert (seed.form, seed.lanes, seed.n_subblocks) == (FORM_CHAIN_LANES, 16, 6)
        codecs = [a.subblock_header(i).streams[1].codec for i in range(a.n_subblocks)]
        seeded = phyngsc.codecs.registry.CODEC_ID["dna-seeded"]
        # 4 KiB windows: 16 lanes' lengths and flushes (about 140 bytes) may leave the
        # first ones smaller as 2-bit packing; later ones learned from the chain
        assert codecs[2:seed.n_subblocks] == [seeded] * (seed.n_subblocks - 2)
        heads = [a.subblock_header(i).streams[1] for i in range(2, seed.n_subblocks)]
        # one short sequence read over and over: well below 2 bits a base (DNA2), lane
        # overhead included (1.62 bits at 16 lanes on these 1,900-base streams)
        assert sum(h.encoded_length for h in heads) < sum(h.decoded_length for h in heads) / 4.5
    out = tmp_path / "o.fq"
    phyngsc.decompress(str(arch), str(out), threads=2)
    assert out.read_bytes() == deep_fastq.read_bytes()


def test_reader_walks_the_chain_forwards_backwards_and_after_damage(deep_fastq, tmp_path):
    arch = tmp_path / "c.ngsc"
    _compress(deep_fastq, arch, level=5, seed=4096 * 6)
    recs = _records(deep_fastq)
    seqs = [r.split(b"\n")[1].decode() for r in recs]
    with phyngsc.open(str(arch)) as a:
        assert a.seed_walk_seconds == 0.0
        first = a.index.first_record
        order = [4, 5, 1, 0, 3, a.n_subblocks - 1, 2]      # forwards, back, seeded, back
        spent = []
        for i in order:
            r = int(first[i])
            assert [x.sequence for x in a.records(r, r + 2)] == seqs[r:r + 2], i
            spent.append(a.seed_walk_seconds)
        assert spent[0] > 0.0 and spent == sorted(spent)   # every walk adds its time
        chain = a.chain()
        assert chain.next == 3            # the last backward step walked 0, 1 and 2
        model = a.seed_model().copy()
    with phyngsc.open(str(arch)) as b:
        assert np.array_equal(b.seed_model(), model)   # walked in one go: the same table
    # damage seed sub-block 2: every walk past it stops there with its error (the next
    # starts again), sub-blocks before it still decode
    with phyngsc.open(str(arch)) as a:
        at = int(a.index.offset[2]) + int(a.index.length[2]) // 2
        last = a.n_subblocks - 1
    data = bytearray(arch.read_bytes())
    data[at] ^= 0x5A
    arch.write_bytes(bytes(data))
    with phyngsc.open(str(arch)) as a:
        for i in (4, 4, last):
            with pytest.raises(ArchiveError, match="sub-block 2"):
                list(a.records(int(first[i]), int(first[i]) + 1))
            assert a.chain().table is None
        r = int(first[1])
        assert [x.sequence for x in a.records(r, r + 3)] == seqs[r:r + 3]
    with pytest.raises(ArchiveError, match="sub-block 2"):
        phyngsc.decompress(str(arch), str(tmp_path / "o.fq"), threads=1)
    assert not (tmp_path / "o.fq").exists()


def test_verify_and_fasta_read_a_chained_archive(deep_fastq, tmp_path):
    from .test_seed import _cli
    arch = tmp_path / "c.ngsc"
    _compress(deep_fastq, arch, level=9, seed=4096 * 5)
    assert phyngsc.verify(str(arch), threads=2).subblocks > 5
    fa = tmp_path / "x.fa"
    assert _cli("fasta", arch, "-o", fa, "-q").returncode == 0
    recs = [r.split(b"\n") for r in _records(deep_fastq)]
    assert fa.read_bytes() == b"".join(b">" + r[0][1:] + b"\n" + r[1] + b"\n" for r in recs)
    doc = json.loads(_cli("info", arch, "--json").stdout)
    assert doc["seed"]["chained"] is True


@pytest.mark.parametrize("tag,form,lanes", [("v0.10-seed", FORM_CHAIN, 1),
                                            ("v0.18-seed", FORM_CHAIN_LANES, 16)])
def test_golden_chained_archives_hold_chained_seed_sub_blocks(tag, form, lanes):
    """Each tag holds seed sub-blocks coded from the chain; 0.18's also seed sub-blocks
    kept as 2-bit packing before chained ones, which readers learn in lanes
    (``learn_lanes``) before decoding the next: test_golden decodes them all."""
    manifest = json.loads((DATA / "golden" / "manifest.json").read_text())
    chained = [e for e in manifest if e["archive"].startswith(tag + "-")]
    assert chained
    seeded = phyngsc.codecs.registry.CODEC_ID["dna-seeded"]
    seen = learned_before = 0
    for e in chained:
        with phyngsc.open(str(DATA / "golden" / e["archive"])) as a:
            seed = a.footer.seed
            assert (seed.form, seed.lanes) == (form, lanes)
            codecs = [a.subblock_header(i).streams[1].codec for i in range(seed.n_subblocks)]
            seen += codecs.count(seeded)
            learned_before += seeded in codecs and codecs[0] != seeded
    assert seen > 0 and (learned_before > 0 or form == FORM_CHAIN)


def test_seed_parts_cut_the_seed_as_the_one_batch_read_does(tmp_path):
    """Read one window at a time, the seed has the same sub-blocks, bases and end as
    read in one batch of all its windows (as the encoders' batches cut them), also
    around a record longer than a window (a window with no record start); seed_input
    (streamed input) joins the same parts."""
    from phyngsc.runners.mpiio import PlainReadFile
    from phyngsc.runners.compress import scan_batch, seed_input, seed_parts
    from phyngsc.subblocks import seed_bases
    text = (DATA / "err127302_1_200.fastq").read_bytes()
    cut = text.index(b"\n@", 9000) + 1
    long_read = b"@long\n" + b"ACGT" * 2500 + b"\n+\n" + b"I" * 10000 + b"\n"
    path = tmp_path / "x.fq"
    path.write_bytes(text[:cut] + long_read + text[cut:])
    src = PlainReadFile(str(path))
    size = path.stat().st_size
    for n in (2, 3, 5, 7):
        plan = SeedInfo(n, 6, True, 3, FORM_CHAIN)
        buf, bounds, end = scan_batch(src, str(path), size, 0, n * 4096, 4096, n + 2)
        dna, lengths, reads = seed_bases(buf, bounds, np.append(bounds[1:], end))
        whole = SeedText(dna, lengths, reads, np.asarray(bounds, np.int64))
        seed, end_in, joined = seed_input(src, str(path), size, 4096, plan)
        assert end_in == end and seed.n_subblocks == len(bounds)
        assert joined.dna.tobytes() == dna.tobytes() and joined.reads.tolist() == reads.tolist()
        got: dict = {}
        parts = list(seed_parts(src, str(path), size, 4096, plan, got))
        assert got["end"] == end and len(parts) == seed.n_subblocks
        assert [p[0] for p in parts] == whole.keys.tolist()
        assert [(d.tobytes(), ln.tolist()) for _k, d, ln in parts] == \
            [(d.tobytes(), ln.tolist()) for _k, d, ln in whole.parts()]
    src.close()


def test_decoding_the_seed_reads_each_seed_sub_block_once(deep_fastq, tmp_path):
    """A batch of seed sub-blocks hands the walk the bytes it read: no second read."""
    from phyngsc.archive.decode import decode_text
    arch = tmp_path / "c.ngsc"
    _compress(deep_fastq, arch, level=5, seed=4096 * 6)
    with phyngsc.open(str(arch)) as a:
        reads = []
        real = a.subblock_bytes
        a.subblock_bytes = lambda i, check=True: reads.append(i) or real(i, check)
        _h, text, _s = decode_text(a, np.arange(0, 6))
        assert sorted(reads) == list(range(6))
    assert text.tobytes() == deep_fastq.read_bytes()[:len(text)]


def test_packed_walk_puts_back_the_same_text(deep_fastq, tmp_path):
    """A walk that keeps its bases packed (DNA2, as the seed index keeps them) gives
    sub-blocks that decode to the text the plain walk gives; a packed entry whose base
    count is not the sub-block's is not used (the in-line walk serves it)."""
    from phyngsc.archive.decode import decode_text, with_walked_bases
    from phyngsc.archive.seed_chain import chained_indices
    arch = tmp_path / "c.ngsc"
    with_n = tmp_path / "n.fq"        # an N in a seed read: an exception in DNA2
    text = deep_fastq.read_bytes().split(b"\n")
    text[1] = b"N" + text[1][1:]
    with_n.write_bytes(b"\n".join(text))
    _compress(with_n, arch, level=5, seed=4096 * 6)
    with phyngsc.open(str(arch)) as a, phyngsc.open(str(arch)) as b:
        n = a.footer.seed.n_subblocks
        plain = a.chain().walk(n, range(n))
        packed = b.chain().walk(n, range(n), packed=True)
        assert sorted(plain) == sorted(packed) == list(range(n))
        for i in range(n):
            stream, count = packed[i]
            assert count == plain[i].size and stream.nbytes < plain[i].size // 3 + 64
        batch = np.arange(n)
        data = [b.subblock_bytes(i) for i in range(n)]
        swapped = with_walked_bases(b, batch, data, packed)
        assert chained_indices(b.footer.seed, batch, swapped) == {}
        want = decode_text(a, batch)[1]
        assert np.array_equal(decode_text(b, batch, swapped)[1], want)
        wrong = {i: (s, c + 1) for i, (s, c) in packed.items()}
        kept = with_walked_bases(b, batch, data, wrong)
        assert kept == data
        assert np.array_equal(decode_text(b, batch, kept)[1], want)
