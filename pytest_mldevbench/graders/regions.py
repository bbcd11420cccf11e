"""Check that an edited module changed only the regions a task allows (pure `ast`, never imports it).

Rules: every class and function of the pristine module still exists; functions and methods not
listed as editable are unchanged (docstrings ignored); editable ones keep their signature and
decorators; class headers and class-level statements are unchanged; pristine module-level
constants are kept (unused imports may go); new module-level code is limited to imports,
definitions, constant assignments and an ``if __name__ == "__main__"`` block; and the module does
not reach for the interpreter, the file system, processes or the test framework.

The grader calls it in its own process: parsing a file with `ast` runs none of it.
"""
import ast

FORBIDDEN_MODULES = {
    "os", "sys", "subprocess", "builtins", "importlib", "inspect", "atexit", "pytest", "_pytest",
    "unittest", "gc", "ctypes", "signal", "socket", "shutil", "pathlib", "threading",
    "multiprocessing", "faulthandler", "pickle", "marshal", "io", "tempfile", "runpy", "code",
}
FORBIDDEN_NAMES = FORBIDDEN_MODULES | {
    "__import__", "exec", "eval", "compile", "open", "globals", "locals", "vars", "getattr",
    "setattr", "delattr", "__builtins__", "breakpoint", "input", "exit", "quit",
}
FORBIDDEN_ATTRS = {
    "_getframe", "testing", "__globals__", "__code__", "__subclasses__", "__builtins__",
    "__dict__", "__setattr__", "__getattribute__", "f_globals", "f_locals", "f_back",
}


def _strip_docstrings(node):
    """Copy of node without docstrings, so that reworded docstrings do not count as changes."""
    node = ast.parse(ast.unparse(node)).body[0] if not isinstance(node, ast.Module) else node
    for sub in ast.walk(node):
        body = getattr(sub, "body", None)
        if (isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            sub.body = body[1:] or [ast.Pass()]
    return node


def _dump(node):
    return ast.dump(_strip_docstrings(node), include_attributes=False)


def _signature(fn):
    return ast.dump(fn.args) + "|" + "|".join(ast.dump(d) for d in fn.decorator_list) + "|" + (
        ast.dump(fn.returns) if fn.returns else "")


def _is_def(node):
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))


def _is_docstring(node):
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(
        node.value.value, str)


def _definitions(tree):
    """Map 'name' / 'Class.name' to function and class nodes (top level and one class level)."""
    found = {}
    for node in tree.body:
        if _is_def(node):
            found[node.name] = node
            if isinstance(node, ast.ClassDef):
                for sub in node.body:
                    if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        found[f"{node.name}.{sub.name}"] = sub
    return found


def _class_header(cls):
    extra = [ast.dump(s) for s in cls.body if not _is_def(s) and not _is_docstring(s)]
    return ast.dump(ast.Tuple(elts=cls.bases + cls.decorator_list, ctx=ast.Load())) + repr(
        [ast.dump(k) for k in cls.keywords]) + repr(extra)


def _is_constant_value(node):
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _is_dotted_name(node):
    """An alias such as ``Tensor = torch.Tensor``."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _allowed_new_statement(node):
    if isinstance(node, (ast.Import, ast.ImportFrom)) or _is_def(node) or _is_docstring(node):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        plain = all(isinstance(t, ast.Name) for t in targets)
        return plain and (_is_constant_value(node.value) or _is_dotted_name(node.value))
    if isinstance(node, ast.If):
        test = node.test
        return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
                and test.left.id == "__name__" and len(test.comparators) == 1
                and isinstance(test.comparators[0], ast.Constant)
                and test.comparators[0].value == "__main__")
    return False


def _forbidden_uses(tree):
    hits = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            hits.update(a.name.split(".")[0] for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES)
        elif isinstance(node, ast.ImportFrom):
            root = (node.module or "").split(".")[0]
            if root in FORBIDDEN_MODULES:
                hits.add(root)
            hits.update(a.name for a in node.names if a.name in FORBIDDEN_NAMES | FORBIDDEN_ATTRS)
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            hits.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRS:
            hits.add("." + node.attr)
    return hits


def region_problems(pristine_src, edited_src, editable):
    """List of human-readable problems; empty when only the editable regions changed."""
    pristine = ast.parse(pristine_src)
    try:
        edited = ast.parse(edited_src)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return [f"edited module does not parse: {type(exc).__name__}: {exc}"]
    problems = []
    old_defs, new_defs = _definitions(pristine), _definitions(edited)
    for name, old in old_defs.items():
        new = new_defs.get(name)
        if new is None:
            problems.append(f"{name} was removed")
        elif isinstance(old, ast.ClassDef):
            if not isinstance(new, ast.ClassDef) or _class_header(old) != _class_header(new):
                problems.append(f"class {name}: bases, decorators or class attributes changed")
        elif name in editable:
            if _signature(old) != _signature(new):
                problems.append(f"{name}: signature or decorators changed")
        elif _dump(old) != _dump(new):
            problems.append(f"{name} changed but is not one of the parts to implement")
    new_top = [ast.dump(s) for s in edited.body if not _is_def(s)]
    for stmt in pristine.body:
        kept = _is_def(stmt) or _is_docstring(stmt) or isinstance(stmt, (ast.Import, ast.ImportFrom))
        if not kept and ast.dump(stmt) not in new_top:
            problems.append(f"module statement removed or changed: {ast.unparse(stmt)[:80]}")
    old_top = {ast.dump(s) for s in pristine.body}
    for stmt in edited.body:
        if ast.dump(stmt) not in old_top and not _allowed_new_statement(stmt):
            problems.append(f"module-level code that runs at import: {ast.unparse(stmt)[:80]}")
    banned = _forbidden_uses(edited) - _forbidden_uses(pristine)
    if banned:
        problems.append("uses forbidden names: " + ", ".join(sorted(banned)))
    return problems
