"""Scoring lives apart from the training loop: evaluate needs neither the loop nor torch."""

import subprocess
import sys


def test_evaluate_and_scoring_import_without_the_loop_or_torch():
    code = (
        "import sys; import seismic_salt.train.evaluate, seismic_salt.train.scoring; "
        "print(sorted(m for m in ('torch', 'seismic_salt.train.loop') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_train_state_keeps_the_json_of_earlier_states():
    from seismic_salt.train.state import TrainState

    saved = {"epoch": 2, "step_in_epoch": 5, "global_step": 45, "best": {"score": 0.5}}
    state = TrainState.from_json(dict(saved, config={}))
    assert state.to_json() == saved
    assert state.after_step().to_json() == dict(saved, step_in_epoch=6, global_step=46)
    assert state.after_epoch(None).to_json() == dict(saved, epoch=3, step_in_epoch=0, best=None)
