"""wrpn.training: the C++ trainer, evaluation and cost model driven from Python."""
import os

import pytest

import wrpn.training as wt

FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(not os.path.exists(FASHION + "/train-images-idx3-ubyte.gz"),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_train_reports_each_epoch_and_evaluate_agrees(tmp_path):
    seen = []
    config = {"model": "lenet5", "width": 2, "wbits": 4, "abits": 4, "epochs": 1, "limit_train": 3000,
              "limit_test": 1000, "threads": 2, "out": str(tmp_path / "run")}
    result = wt.train(config, progress=seen.append, verbose=False)
    assert [m["epoch"] for m in seen] == [1]
    assert result["epochs_run"] == 1
    top1 = result["last"]["test"]["top1"]
    assert top1 > 60.0, top1  # chance is 10%
    e = wt.evaluate(tmp_path / "run" / "checkpoint.pt", limit=1000)
    assert e["epochs_done"] == 1 and e["samples"] == 1000
    assert e["top1"] == pytest.approx(top1, abs=1e-9)


@pytest.mark.skipif(not os.path.exists(FASHION + "/train-images-idx3-ubyte.gz"),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_progress_returning_false_stops_and_resume_finishes(tmp_path):
    config = {"model": "mlp", "epochs": 2, "limit_train": 500, "limit_test": 200, "threads": 1,
              "out": str(tmp_path / "run")}
    assert wt.train(config, progress=lambda m: False, verbose=False)["epochs_run"] == 1
    resumed = wt.train(config, resume=True, verbose=False)
    assert resumed["epochs_run"] == 1 and resumed["last"]["epoch"] == 2


def test_cost_is_the_cost_models_json():
    full = wt.cost({"model": "resnet20", "width": 1, "wbits": 32, "abits": 32})
    wide = wt.cost({"model": "resnet20", "width": 2, "wbits": 4, "abits": 4}, batch=8)
    assert full["total"]["macs"] == 40551040  # 3x32x32: as `wrpn cost --model resnet20` prints
    assert wt.cost({"model": "resnet20"}, in_channels=1, input_size=28)["total"]["macs"] == 30821248
    assert wide["batch"] == 8
    assert wide["ratio"]["macs"] == pytest.approx(4.0, rel=0.02)  # 2x wide: ~4x the MACs
    # The energy of `wrpn cost --model resnet20 --width 2 --wbits 4 --abits 4 --batch 8`.
    assert wide["energy"]["total"]["inference_pj"] == pytest.approx(42274275.3, rel=1e-9)
    assert wide["energy"]["baseline"]["training_pj"] == pytest.approx(8104634099.6, rel=1e-9)
    assert full["energy"]["ratio"]["inference"] == pytest.approx(1.0)


def test_bad_config_raises_value_error_naming_the_key():
    with pytest.raises(ValueError, match="lr"):
        wt.cost({"model": "resnet20", "lr": "fast"})
    with pytest.raises(ValueError, match="no_such_key"):
        wt.cost({"model": "resnet20", "no_such_key": 1})
