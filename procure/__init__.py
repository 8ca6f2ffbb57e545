"""procure: outcome-based, short-cycle tender documents from a problem statement."""

from __future__ import annotations

__version__ = "0.1.0"
