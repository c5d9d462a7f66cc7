import torch

from alsel_py.precision import autocast_context, cpu_flags, resolve_precision


def test_auto_follows_the_cpu_flags():
    assert resolve_precision("auto", ["avx512f", "avx512_bf16"]) == "bf16"
    assert resolve_precision("auto", ["amx_bf16"]) == "bf16"
    assert resolve_precision("auto", ["avx512f", "avx2"]) == "fp32"


def test_forced_precision_is_kept():
    assert resolve_precision("fp32", ["avx512_bf16"]) == "fp32"
    assert resolve_precision("bf16", []) == "bf16"


def test_unknown_precision_is_refused():
    try:
        resolve_precision("fp16", [])
    except ValueError as e:
        assert "fp16" in str(e)
    else:
        raise AssertionError("fp16 accepted")


def test_cpu_flags_reads_the_first_flags_line(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse avx512_bf16\n\nprocessor\t: 1\nflags\t: fpu\n")
    assert cpu_flags(str(info)) == {"fpu", "sse", "avx512_bf16"}
    assert cpu_flags(str(tmp_path / "missing")) == set()


def test_bf16_context_lowers_linear_and_fp32_does_not():
    linear = torch.nn.Linear(8, 4)
    x = torch.randn(2, 8)
    with autocast_context("bf16"):
        assert linear(x).dtype == torch.bfloat16
    with autocast_context("fp32"):
        assert linear(x).dtype == torch.float32
