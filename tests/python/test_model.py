"""wrpn.Model: the runtime from Python, against wrpn-run on the same model and images."""
import gzip
import os
import subprocess

import numpy as np
import pytest

import wrpn

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(SOURCE, "tests", "runtime", "fixtures", "lenet5_w1.5_2bit_v1.0.wrpn")
IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
need_images = pytest.mark.skipif(not os.path.exists(IMAGES), reason="Debian's dataset-fashion-mnist is not installed")


def fashion_test_images(n):
    with gzip.open(IMAGES, "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=16)[: n * 784].reshape(n, 1, 28, 28)


def test_info_describes_the_fixture():
    info = wrpn.Model(FIXTURE).info()
    assert info["input_shape"] == (1, 28, 28)
    assert info["classes"] == 10
    assert (info["weight_bits"], info["activation_bits"]) == (2, 2)
    assert info["format_version"] == "1.0"
    assert info["info"] == "{}"


@need_images
def test_predictions_equal_wrpn_run_on_two_thousand_images():
    images = fashion_test_images(2000)
    logits = wrpn.Model(FIXTURE).predict(images)
    assert logits.shape == (2000, 10) and logits.dtype == np.float32
    out = subprocess.run([os.environ["WRPN_RUN"], "--model", FIXTURE, "--limit", "2000", "--threads", "1", IMAGES],
                         check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in out.splitlines() if not line.startswith("#")]
    assert len(rows) == 2000
    classes = np.array([int(r[1]) for r in rows])
    best = np.array([float(r[2]) for r in rows])
    assert (logits.argmax(1) == classes).sum() == 2000  # ties go to the lowest index in both
    assert np.array_equal(np.round(logits.max(1).astype(np.float64), 6), np.round(best, 6))


@need_images
def test_one_image_gives_its_row_of_the_batch_and_benchmark_runs():
    model = wrpn.Model(FIXTURE)
    px = fashion_test_images(64)
    from_pixels = model.predict(px, threads=2)
    one = model.predict(px[0])
    assert one.shape == (10,) and np.array_equal(one, from_pixels[0])
    assert model.benchmark(batch=16, seconds=0.2) > 0


def test_bad_files_and_shapes_raise_value_error_with_the_message(tmp_path):
    with pytest.raises(ValueError, match="cannot open|No such file|does not exist"):
        wrpn.Model(str(tmp_path / "missing.wrpn"))
    bad = tmp_path / "bad.wrpn"
    bad.write_bytes(b"WRPNMODL" + b"\x00" * 100)
    with pytest.raises(ValueError):
        wrpn.Model(str(bad))
    model = wrpn.Model(FIXTURE)
    with pytest.raises(ValueError, match=r"images are \(2, 3, 28, 28\), the model takes \(N, 1, 28, 28\)"):
        model.predict(np.zeros((2, 3, 28, 28), dtype=np.uint8))
    with pytest.raises(ValueError, match="benchmark: batch must be >= 1, got 0"):
        model.benchmark(batch=0)
