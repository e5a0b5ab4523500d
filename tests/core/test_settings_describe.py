"""TrainSettings.describe: the settings that shape a run, in words."""
from nnstudio.core.settings import TrainSettings


def test_only_what_applies_is_said():
    assert TrainSettings().describe() == ("Adam, learning rate 0.001, mini-batches of 32, 100 epochs, "
                                          "seed 0")
    sgd = TrainSettings(optimizer="sgd", learning_rate=0.01, momentum=0.9, nesterov=True,
                        batch_mode="full-batch", epochs=1, early_stopping=True, patience=5,
                        class_weight="balanced")
    assert sgd.describe() == ("SGD with Nesterov momentum 0.9, learning rate 0.01, the whole "
                              "training set per step (full batch), 1 epoch, seed 0, early stopping "
                              "on val_loss (patience 5, best weights restored), class weights balanced")
    assert "momentum" not in TrainSettings(optimizer="sgd").describe()  # none: not said
    assert "one row per step" in TrainSettings(batch_mode="stochastic").describe()
