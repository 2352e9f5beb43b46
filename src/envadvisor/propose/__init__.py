"""``envadvisor propose``: an environment.yml that fits a target machine, every choice explained.

``propose(facts, wants, options, knowledge) -> Proposal``; ``Proposal.to_yaml()`` writes the file,
``Proposal.to_data()`` the decision record. ``verify(proposal, channel)`` (optional extra
``envadvisor[solve]``) solves its conda part with the target's virtual packages.
"""

from __future__ import annotations

from envadvisor.propose.choices import Decision, TorchChoice
from envadvisor.propose.decide import SOURCES, ProposeOptions, decide, propose
from envadvisor.propose.model import Dependency, Note, Proposal

__all__ = [
    "SOURCES",
    "Decision",
    "Dependency",
    "Note",
    "Proposal",
    "ProposeOptions",
    "TorchChoice",
    "decide",
    "propose",
]
