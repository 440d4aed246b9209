"Everything public, for interactive use: `from mmworkbench.all import *`. Library code never imports this module."
import importlib as _importlib, pkgutil as _pkgutil
import mmworkbench as _pkg

_SKIP = {"mmworkbench.all", "mmworkbench._modidx", "mmworkbench.cli"}
__all__ = []
for _mi in sorted(_pkgutil.walk_packages(_pkg.__path__, "mmworkbench."), key=lambda m: m.name):
    if _mi.name in _SKIP: continue
    _mod = _importlib.import_module(_mi.name)
    for _name in getattr(_mod, "__all__", []):
        globals()[_name] = getattr(_mod, _name)
        __all__.append(_name)
