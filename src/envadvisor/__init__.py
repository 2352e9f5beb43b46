"""envadvisor: a command-line advisor and checker for deep-learning environments."""

__version__ = "0.1.0"
