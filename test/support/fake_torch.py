"""A fake `torch` package, shaped like a real installation where it matters.

kernels-cpp probes torch from files (``torch/version.py``, ``TorchConfig.cmake``); the
upstream Python `kernels` oracle imports it. This package satisfies both:

* ``version.py`` in the layout torch's build writes (``__all__``, ``__version__``, ``debug``,
  ``cuda``, ``git_version``, ``hip``, ``xpu`` with ``Optional[str]`` annotations);
* ``share/cmake/Torch/TorchConfig.cmake`` with the C++ ABI flag line as torch writes it;
* ``__init__.py`` with what the oracle reads on ``import torch``: ``__version__``,
  ``version``, ``compiled_with_cxx11_abi()``, ``backends.mps.is_available()`` (False) and
  ``_C._get_privateuse1_backend_name()`` ("privateuseone"). There is deliberately no
  ``torch.backends.tpu`` and no ``torch.neuron``.

Usage::

    root = make_torch_dir(tmp_path, "2.11.0+cu130", cuda="13.0")
    env["PYTHONPATH"] = str(root)          # the torch package is root / "torch"
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

_VERSION_PY = """\
from typing import Optional

__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip', 'xpu']
__version__ = {version!r}
debug = False
cuda: Optional[str] = {cuda!r}
git_version = '0000000000000000000000000000000000000000'
hip: Optional[str] = {hip!r}
xpu: Optional[str] = {xpu!r}
"""

_TORCH_CONFIG_CMAKE = """\
# FindTorch
# -------
#
# Finds the Torch library (fake, for kernels-cpp tests)
#
# This will define the following variables:
#
#   TORCH_FOUND        -- True if the system has the Torch library
#   TORCH_INCLUDE_DIRS -- The include directories for torch
#   TORCH_LIBRARIES    -- Libraries to link against
#   TORCH_CXX_FLAGS    -- Additional (required) compiler flags

include(FindPackageHandleStandardArgs)

get_filename_component(CMAKE_CURRENT_LIST_DIR "${{CMAKE_CURRENT_LIST_FILE}}" PATH)
set(TORCH_INSTALL_PREFIX "${{CMAKE_CURRENT_LIST_DIR}}/../../../")

# When we build libtorch with the old libstdc++ ABI, dependent libraries must too.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI={abi}")
endif()
"""

_INIT_PY = """\
# Fake torch for kernels-cpp tests: only what `kernels` reads when resolving variants.
import types as _types

from . import version
from .version import __version__

_CXX11_ABI = {abi}


def compiled_with_cxx11_abi():
    return _CXX11_ABI


class _Mps:
    @staticmethod
    def is_available():
        return False


backends = _types.SimpleNamespace(mps=_Mps())


class _C:
    @staticmethod
    def _get_privateuse1_backend_name():
        return "privateuseone"
"""


def make_torch_dir(
    dest: Path,
    version: str,
    cuda: Optional[str] = None,
    hip: Optional[str] = None,
    xpu: Optional[str] = None,
    cxx11_abi: bool = True,
) -> Path:
    """Creates ``dest/torch`` and returns ``dest`` (the directory to put on PYTHONPATH)."""
    dest = Path(dest)
    pkg = dest / "torch"
    cmake = pkg / "share" / "cmake" / "Torch"
    cmake.mkdir(parents=True, exist_ok=True)
    (pkg / "version.py").write_text(_VERSION_PY.format(version=version, cuda=cuda, hip=hip, xpu=xpu))
    (cmake / "TorchConfig.cmake").write_text(_TORCH_CONFIG_CMAKE.format(abi=1 if cxx11_abi else 0))
    (pkg / "__init__.py").write_text(_INIT_PY.format(abi=bool(cxx11_abi)))
    return dest
