# simul's: every Python process started under `simul python` (and its
# multiprocessing children) loads the agent here, then the sitecustomize
# this file shadows, if there is one.
import os
import sys

if os.environ.get("SIMUL_AGENT_FIFO"):
    try:
        import simul_agent
        simul_agent.install()
    except Exception as e:  # the program still runs, unwatched
        sys.__stderr__.write("simul agent: %s\n" % e)


def _next_sitecustomize():
    import importlib.machinery
    import importlib.util
    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is not None and spec.loader is not None:
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)


try:
    _next_sitecustomize()
except Exception:
    pass
