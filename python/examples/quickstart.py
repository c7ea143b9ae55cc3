"""The original project's README quick start, unchanged but for the prints after each step.

Usage: python quickstart.py [BASE_URL]   (default http://localhost:8000)
"""

import sys

from kube_sre_gym import KubeSreGymAction, KubeSreGymEnv

base_url = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8000"

with KubeSreGymEnv(base_url=base_url) as client:
    obs = client.reset()
    print(obs.observation.command_output)  # PagerDuty alert

    obs = client.step(KubeSreGymAction(command="kubectl get pods -A"))
    print(obs.observation.command_output)
    obs = client.step(KubeSreGymAction(command="kubectl describe pod payment-api-xxx -n payments"))
    print(obs.observation.command_output)
    obs = client.step(KubeSreGymAction(command="fix: kubectl set resources deployment/payment-api --limits=memory=128Mi -n payments"))
    # reward > 0 if fix is correct, episode done
    print("reward:", obs.reward, "done:", obs.done)
    print("steps:", client.state().step_count)
