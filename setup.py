"""Builds the C++ core `constrain._core` (C++17, pybind11; never against torch)."""
from glob import glob

from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import setup

core = Pybind11Extension(
    "constrain._core",
    sorted(glob("csrc/*.cc")),
    include_dirs=["csrc"],
    cxx_std=17,
    extra_compile_args=["-O3"],
)

setup(ext_modules=[core], cmdclass={"build_ext": build_ext})
