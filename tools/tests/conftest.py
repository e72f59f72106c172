"""Makes tools/, the repository root and this folder importable by the tests."""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_TOOLS = os.path.dirname(_HERE)
sys.path[:0] = [_HERE, _TOOLS, os.path.dirname(_TOOLS)]
