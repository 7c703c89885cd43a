# simul's: `python3 simul_run.py SCRIPT ARGS...` runs SCRIPT as __main__
# under the agent (see simul_agent.py).
import simul_agent

simul_agent.main()
