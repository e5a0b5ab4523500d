"""Population calls: one program against two on two threads (issue 18, ``SplitPopulation``).

    .venv/bin/python tests/benchmarks/bench_population_split.py W3 W1 W4 W2

For each workload of bench_training.py: the compiled call of one population program of five
networks, of one of three, and of programs of three and two called together on two threads (as
``population_split.SplitPopulation`` calls them), with their arguments made beforehand; medians
of 9 calls after the compile, TensorFlow on every core (headless). It shows why
``population_split.SPLIT_MACS`` is the range it is.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nnstudio.core import tf as core_tf


def _timed(label: str, fn, reps: int = 9) -> None:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    print(f"  {label}: median {statistics.median(times) * 1000:.1f} ms, "
          f"min {min(times) * 1000:.1f} ms", flush=True)


def main(keys: list[str]) -> None:
    core_tf.use_every_core()
    import bench_training as bt
    import numpy as np

    from nnstudio.core.training import population
    from nnstudio.core.training.population_program import PopulationProgram
    from nnstudio.core.training.shuffle import epoch_orders

    bt.warm_up()
    lane = ThreadPoolExecutor(1)
    for key in keys:
        w = next(x for x in bt.workloads(False) if x.key == key)
        spec, s = bt.nnstudio_setup(w)
        d = w.data
        n = len(d.X_train)
        template = population._empty_models(spec, d, 1)[0]
        _, loss_name, layout = population._program_key(d, spec, s, 5)
        calls = {}
        for pop in (5, 3, 2):
            prog = PopulationProgram(template, s, d.task, loss_name, n, d.n_inputs,
                                     len(d.X_val), layout, pop, True, n_test=len(d.X_test))
            data = prog.tensors(d)
            k = min(prog.max_k, w.epochs)
            orders = np.zeros((prog.max_k, pop, n), np.int32)
            for i in range(pop):
                orders[:k, i] = epoch_orders(i, 0, k, n)
            args = prog.arguments(orders, k)
            calls[pop] = (lambda p=prog, a=args, t=data: p.call(t, a))
            calls[pop]()  # compiles
        print(f"{key}: {k} epochs a call", flush=True)
        _timed("one program of 5", calls[5])
        _timed("one program of 3", calls[3])

        def both(calls=calls):
            other = lane.submit(calls[2])
            calls[3]()
            other.result()
        _timed("programs of 3 and 2 together", both)
    lane.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:] or ["W3", "W1", "W4", "W2"])
