"""The shipped type stubs (xfv/_xfv.pyi) name everything the module has, with its parameters."""

import ast
import inspect
import os

import xfv._xfv


def stub_classes():
    path = os.path.join(os.path.dirname(xfv._xfv.__file__), "_xfv.pyi")
    tree = ast.parse(open(path).read())
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    return classes, functions


def test_stubs_name_every_class_method_and_parameter():
    classes, functions = stub_classes()
    assert {"Error", "Model", "Session", "Stream"} <= set(classes) and "_validate" in functions
    for cls in (xfv._xfv.Model, xfv._xfv.Session, xfv._xfv.Stream):
        stubbed = {node.name: node for node in classes[cls.__name__].body if isinstance(node, ast.FunctionDef)}
        for name, member in vars(cls).items():
            if name.startswith("__") and name not in ("__enter__", "__exit__"):
                continue
            assert name in stubbed, f"{cls.__name__}.{name} is missing from _xfv.pyi"
            doc = getattr(member, "__doc__", "") or ""
            parameters = [a.arg for a in stubbed[name].args.args if a.arg != "self"]
            # nanobind's docstrings start with the signature: its parameter names must match.
            if callable(member) and doc.startswith(name + "("):
                signature = doc.split("\n", 1)[0]
                assert all(p in signature for p in parameters), (name, signature, parameters)
