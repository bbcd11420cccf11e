"""The region rule of implementation tasks: the agent's module differs from the given one only where the task
asks for code (an allow-list, checked as an AST diff against the pristine file).

It runs in the harness process on parsed text: `ast.parse` runs none of the agent's code. It is a fairness
rule (the agent wrote what the task asked for and left the given code alone), NOT a security boundary: the
agent's code can do anything once it runs, and what it computes is judged by comparing observations with a
reference (see `grading.judge`), never by trusting this rule.

`allowed` names what the agent writes: "func" or "Class" (the whole definition is free) or "Class.method"
(that method's body is free; its signature and decorators stay). Everything else of the given module stays
as given (docstrings ignored): every given definition exists exactly once, given methods and functions and
class headers and class-level statements are unchanged, given module-level statements are kept and given
names are not rebound. New code may add imports, functions, classes, methods, literal constants and aliases
(`Tensor = torch.Tensor`) and an `if __name__ == "__main__":` block, nothing else at module level, and
nothing in its decorators, bases, defaults or annotations may call code at import time (a decorator factory
with literal arguments, such as `@torch.no_grad()`, is fine).
"""
from __future__ import annotations

import ast

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def region_problems(pristine_src: str, edited_src: str, allowed) -> list[str]:
    """Human-readable problems of `edited_src` against `pristine_src`; empty when only `allowed` changed."""
    try:
        edited = ast.parse(edited_src)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return [f"the module does not parse: {type(exc).__name__}: {exc}"]
    pristine = ast.parse(pristine_src)
    allowed = set(allowed)
    given_stmts = {_dump(s) for s in pristine.body}
    problems: list[str] = []
    edited_defs: dict[str, list] = {}
    for node in edited.body:
        if isinstance(node, DEFS):
            edited_defs.setdefault(node.name, []).append(node)
    given_names: set[str] = set()
    for node in pristine.body:
        if isinstance(node, DEFS):
            given_names.add(node.name)
            found = edited_defs.get(node.name, [])
            if len(found) != 1:
                problems.append(f"{node.name} must be defined exactly once, found {len(found)}")
            elif node.name not in allowed:
                problems += _definition_problems(node, found[0], allowed)
        elif not isinstance(node, (ast.Import, ast.ImportFrom)) and not _is_docstring(node):
            given_names.update(_assigned_names(node))
            if _dump(node) not in {_dump(s) for s in edited.body}:
                problems.append(f"given module statement changed or removed: {ast.unparse(node)[:80]}")
    for node in edited.body:
        if _dump(node) in given_stmts:
            continue
        if isinstance(node, DEFS):
            problems += _import_time_problems(node, node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            rebound = [a.asname or a.name.split(".")[0] for a in node.names
                       if (a.asname or a.name.split(".")[0]) in given_names]
            if rebound:
                problems.append(f"line {node.lineno}: an import rebinds given name {rebound[0]}")
        elif not (_is_docstring(node) or _is_main_guard(node) or _is_constant(node)):
            problems.append(f"line {node.lineno}: module-level code that runs at import: {ast.unparse(node)[:80]}")
        elif set(_assigned_names(node)) & given_names:
            problems.append(f"line {node.lineno}: rebinds given name {sorted(set(_assigned_names(node)) & given_names)[0]}")
    classes = {n.name for n in pristine.body if isinstance(n, ast.ClassDef)}
    problems += _class_attribute_writes(edited, classes)
    return problems


def _definition_problems(given, edited, allowed: set[str]) -> list[str]:
    name = given.name
    if isinstance(given, ast.ClassDef):
        if not isinstance(edited, ast.ClassDef):
            return [f"{name} is no longer a class"]
        return _class_problems(given, edited, allowed)
    if _dump(given) != _dump(edited):
        return [f"{name} changed but is not one of the parts to write"]
    return []


def _class_problems(given: ast.ClassDef, edited: ast.ClassDef, allowed: set[str]) -> list[str]:
    name = given.name
    problems = []
    if _header(given) != _header(edited):
        problems.append(f"class {name}: bases, keywords or decorators changed")
    given_methods = {n.name: n for n in given.body if isinstance(n, DEFS)}
    edited_methods: dict[str, ast.AST] = {}
    for n in edited.body:
        if isinstance(n, DEFS):
            if n.name in edited_methods:
                problems.append(f"{name}.{n.name} is defined twice")
            edited_methods[n.name] = n
    for mname, method in given_methods.items():
        new = edited_methods.get(mname)
        if new is None:
            problems.append(f"{name}.{mname} was removed")
        elif f"{name}.{mname}" in allowed:
            if isinstance(method, FUNCS) and (not isinstance(new, FUNCS) or _signature(method) != _signature(new)):
                problems.append(f"{name}.{mname}: signature or decorators changed")
            else:
                problems += _import_time_problems(new, f"{name}.{mname}")
        elif _dump(method) != _dump(new):
            problems.append(f"{name}.{mname} changed but is not one of the parts to write")
    for mname, new in edited_methods.items():
        if mname not in given_methods:
            problems += _import_time_problems(new, f"{name}.{mname}")
    given_stmts = [_dump(n) for n in _body(given) if not isinstance(n, DEFS)]
    edited_stmts = [_dump(n) for n in _body(edited) if not isinstance(n, DEFS)]
    if given_stmts != edited_stmts:
        problems.append(f"class {name}: class-level statements changed")
    return problems


def _import_time_problems(defn, where: str) -> list[str]:
    """Calls in the parts of a definition that run when it is defined (not when it is called)."""
    problems = []
    for dec in defn.decorator_list:
        plain = isinstance(dec, (ast.Name, ast.Attribute))
        factory = isinstance(dec, ast.Call) and isinstance(dec.func, (ast.Name, ast.Attribute)) and all(
            _is_literal(a) for a in dec.args + [k.value for k in dec.keywords])
        if not (plain or factory):
            problems.append(f"{where}: a decorator runs code at import time")
    if isinstance(defn, ast.ClassDef):
        if _calls(defn.bases + [k.value for k in defn.keywords]):
            problems.append(f"{where}: class bases call code at import time")
        for item in _body(defn):
            if isinstance(item, DEFS):
                problems += _import_time_problems(item, f"{where}.{item.name}")
            elif not (isinstance(item, ast.Pass) or _is_constant(item, literal_only=True)):
                problems.append(f"{where}: class body statement at line {item.lineno} is not a definition or a "
                                f"literal constant")
    else:
        args = defn.args
        exprs = args.defaults + [d for d in args.kw_defaults if d is not None]
        exprs += [a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs if a.annotation is not None]
        exprs += [defn.returns] if defn.returns is not None else []
        if _calls(exprs):
            problems.append(f"{where}: default values or annotations call code at import time")
    return problems


def _class_attribute_writes(tree, classes: set[str]) -> list[str]:
    """Anywhere in the module: assignments to attributes of a given class, or setattr/delattr on one."""
    problems = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in classes:
                    problems.append(f"line {node.lineno}: assigns to an attribute of given class {sub.value.id}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr") \
                and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in classes:
            problems.append(f"line {node.lineno}: {node.func.id} on given class {node.args[0].id}")
    return problems


def _body(node) -> list:
    body = node.body
    return body[1:] if body and _is_docstring(body[0]) else body


def _dump(node) -> str:
    """`ast.dump` of a node with every docstring removed (reworded docstrings are not changes)."""
    if isinstance(node, DEFS):
        node = ast.parse(ast.unparse(node)).body[0]
        for sub in ast.walk(node):
            if isinstance(sub, DEFS):
                sub.body = _body(sub) or [ast.Pass()]
    return ast.dump(node, include_attributes=False)


def _header(cls: ast.ClassDef) -> str:
    return ast.dump(ast.Tuple(elts=cls.bases + cls.decorator_list + [k.value for k in cls.keywords],
                              ctx=ast.Load())) + repr([k.arg for k in cls.keywords])


def _signature(fn) -> str:
    return "|".join([ast.dump(fn.args), *(ast.dump(d) for d in fn.decorator_list),
                     ast.dump(fn.returns) if fn.returns else ""])


def _is_docstring(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _is_main_guard(node) -> bool:
    return isinstance(node, ast.If) and ast.dump(node.test) == ast.dump(
        ast.parse('__name__ == "__main__"', mode="eval").body)


def _is_literal(node) -> bool:
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _is_dotted_name(node) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _is_constant(node, literal_only: bool = False) -> bool:
    """`NAME = <literal>` (or, unless `literal_only`, an alias `NAME = module.attr`)."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        return False
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not all(isinstance(t, ast.Name) for t in targets):
        return False
    return _is_literal(node.value) or (not literal_only and _is_dotted_name(node.value))


def _assigned_names(node) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for target in node.targets for t in ast.walk(target) if isinstance(t, ast.Name)]
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _calls(nodes) -> list:
    return [n for node in nodes if node is not None for n in ast.walk(node) if isinstance(n, ast.Call)]
