"""Grader helper (copied into grading dirs by `trial.add_grader_file`): compare an edited module with its
pristine skeleton, allowing changes only in open regions (whole free classes or listed methods).

`region_violations(edited_src, pristine_src, free)` returns a list of human-readable problems (empty = ok).
`free` holds the names the agent was asked to write: "Class" (the whole class) or "Class.method".
Rules: every other top-level function/class, every method and class-level statement of a given class, and
every top-level constant of the skeleton must be unchanged (docstrings ignored); given names may not be
rebound; new imports, helpers and methods are allowed. Module level may hold only imports, definitions,
literal constants and an `if __name__ == "__main__":` block; nothing evaluated at import time (decorators,
defaults, bases, class bodies) may call anything except a decorator factory with literal arguments such
as `@torch.no_grad()`.
"""
import ast

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _strip_docstring(body):
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _dump(node):
    """`ast.dump` of a node with every docstring removed."""
    node = ast.parse(ast.unparse(node)).body[0]
    for sub in ast.walk(node):
        if isinstance(sub, DEFS):
            sub.body = _strip_docstring(sub.body) or [ast.Pass()]
    return ast.dump(node, include_attributes=False)


def _is_literal(node):
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _calls(nodes):
    return [n for node in nodes if node is not None for n in ast.walk(node) if isinstance(n, ast.Call)]


def _import_time_problems(defn, where):
    """Calls in expressions that run when `defn` is defined (not when it is called)."""
    problems = []
    for dec in defn.decorator_list:
        ok = isinstance(dec, (ast.Name, ast.Attribute)) or (
            isinstance(dec, ast.Call) and isinstance(dec.func, (ast.Name, ast.Attribute))
            and all(_is_literal(a) for a in dec.args + [k.value for k in dec.keywords]))
        if not ok:
            problems.append(f"{where}: decorator runs code at import time")
    if isinstance(defn, ast.ClassDef):
        if _calls(defn.bases + [k.value for k in defn.keywords]):
            problems.append(f"{where}: class bases call code at import time")
        for item in _strip_docstring(defn.body):
            if isinstance(item, DEFS):
                problems += _import_time_problems(item, f"{where}.{item.name}")
            elif isinstance(item, ast.Pass):
                continue
            elif isinstance(item, (ast.Assign, ast.AnnAssign)) and (item.value is None or _is_literal(item.value)):
                continue
            else:
                problems.append(f"{where}: class body statement at line {item.lineno} is not a definition "
                                f"or a literal constant")
    else:
        args = defn.args
        exprs = args.defaults + [d for d in args.kw_defaults if d is not None]
        exprs += [a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs if a.annotation is not None]
        exprs += [defn.returns] if defn.returns is not None else []
        if _calls(exprs):
            problems.append(f"{where}: default values or annotations call code at import time")
    return problems


def _is_main_guard(node):
    """`if __name__ == "__main__":` blocks never run on import."""
    return isinstance(node, ast.If) and ast.dump(node.test) == ast.dump(
        ast.parse('__name__ == "__main__"', mode="eval").body)


def _module_problems(tree):
    problems = []
    for node in _strip_docstring(tree.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, DEFS):
            problems += _import_time_problems(node, node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _is_literal(node.value):
            continue
        elif _is_main_guard(node):
            continue
        else:
            problems.append(f"module level statement at line {node.lineno} is not an import, a definition "
                            f"or a literal constant")
    return problems


def _top_defs(tree):
    defs = {}
    for node in tree.body:
        if isinstance(node, DEFS):
            defs.setdefault(node.name, []).append(node)
    return defs


def _class_problems(given, edited, free):
    problems = []
    name = given.name
    if _dump(ast.ClassDef(name=name, bases=given.bases, keywords=given.keywords, body=[ast.Pass()],
                          decorator_list=given.decorator_list, type_params=[])) != \
            _dump(ast.ClassDef(name=name, bases=edited.bases, keywords=edited.keywords, body=[ast.Pass()],
                               decorator_list=edited.decorator_list, type_params=[])):
        problems.append(f"{name}: bases or decorators changed")
    given_methods = {n.name: n for n in given.body if isinstance(n, DEFS)}
    edited_methods = {}
    for n in edited.body:
        if isinstance(n, DEFS):
            if n.name in edited_methods:
                problems.append(f"{name}.{n.name} is defined twice")
            edited_methods[n.name] = n
    for mname, method in given_methods.items():
        if f"{name}.{mname}" in free:
            continue
        if mname not in edited_methods:
            problems.append(f"{name}.{mname} was removed")
        elif _dump(method) != _dump(edited_methods[mname]):
            problems.append(f"{name}.{mname} was changed")
    given_stmts = [_dump(n) for n in _strip_docstring(given.body) if not isinstance(n, DEFS)]
    edited_stmts = [_dump(n) for n in _strip_docstring(edited.body) if not isinstance(n, DEFS)]
    if given_stmts != edited_stmts:
        problems.append(f"{name}: class-level attributes changed")
    return problems


def _rebinding_problems(tree, given_names):
    """Assignments anywhere that rebind a given top-level name or set attributes on a given class."""
    problems = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in given_names:
                    problems.append(f"line {node.lineno}: assigns to an attribute of {sub.value.id}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr") \
                and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in given_names:
            problems.append(f"line {node.lineno}: {node.func.id} on {node.args[0].id}")
    return problems


def region_violations(edited_src, pristine_src, free):
    """Problems with `edited_src` relative to `pristine_src` when only the names in `free` may change."""
    try:
        edited = ast.parse(edited_src)
    except SyntaxError as exc:
        return [f"edited module does not parse: {exc}"]
    pristine = ast.parse(pristine_src)
    free = set(free)
    problems = _module_problems(edited)
    edited_defs = _top_defs(edited)
    given_names = set()
    for node in pristine.body:
        if isinstance(node, DEFS):
            given_names.add(node.name)
            found = edited_defs.get(node.name, [])
            if len(found) != 1:
                problems.append(f"{node.name} must be defined exactly once, found {len(found)}")
                continue
            if node.name in free:
                continue
            if isinstance(node, ast.ClassDef) and isinstance(found[0], ast.ClassDef):
                problems += _class_problems(node, found[0], free)
            elif _dump(node) != _dump(found[0]):
                problems.append(f"{node.name} was changed")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            if _dump(node) not in {_dump(n) for n in edited.body if isinstance(n, (ast.Assign, ast.AnnAssign))}:
                problems.append(f"module constant at skeleton line {node.lineno} was changed or removed")
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            given_names.update(t.id for t in targets if isinstance(t, ast.Name))
    for node in edited.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and _dump(node) not in \
                {_dump(n) for n in pristine.body if isinstance(n, (ast.Assign, ast.AnnAssign))}:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id in given_names:
                    problems.append(f"line {node.lineno}: rebinds given name {t.id}")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if (alias.asname or alias.name.split(".")[0]) in given_names:
                    problems.append(f"line {node.lineno}: import rebinds given name")
    class_names = {n.name for n in pristine.body if isinstance(n, ast.ClassDef)}
    problems += _rebinding_problems(edited, class_names)
    return problems
