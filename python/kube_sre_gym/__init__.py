"""kube-sre-gym client: diagnose and repair broken Kubernetes workloads through kubectl.

    from kube_sre_gym import KubeSreGymAction, KubeSreGymEnv

    with KubeSreGymEnv(base_url="http://localhost:8000") as client:
        obs = client.reset()
        print(obs.observation.command_output)  # the alert
        obs = client.step(KubeSreGymAction(command="kubectl get pods -A"))
"""

from .client import KubeSreGymEnv
from .models import KubeSreGymAction, KubeSreGymObservation, KubeSreGymState

__all__ = ["KubeSreGymAction", "KubeSreGymEnv", "KubeSreGymObservation", "KubeSreGymState"]
__version__ = "0.1.0"
