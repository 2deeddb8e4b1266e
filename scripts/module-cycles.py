#!/usr/bin/env python3
"""Lists the import cycles between the files of one module of the crate.

Usage: scripts/module-cycles.py src/genesys [src/sim ...]

A node is one file (or `mod.rs` of a folder) below the module; an edge A -> B means that A's
non-test code names B, through `use super::…`, `use crate::<module>::…`, `self::…` or an inline
path such as `super::b::f()`. A name that the module's own mod.rs re-exports (`pub use x::Name`)
counts as an edge to the file that defines it, so a hub mod.rs hides no cycle. Unit tests
(`#[cfg(test)] mod …` to the end of the file) are left out: a test may use anything.
Prints every strongly connected component of two or more files, and exits 1 if there is one.

Written by hand: no crate or packaged tool reads Rust `use` graphs below the crate level
(cargo-modules needs rust-analyzer's build, which this machine cannot fetch).
"""
import os
import re
import sys


def modules_of(root):
    """Maps each module path (tuple of names below the crate) to its file."""
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if not name.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), "src")
            parts = rel[:-3].split(os.sep)
            if parts[-1] == "mod":
                parts = parts[:-1]
            files[tuple(parts)] = os.path.join(dirpath, name)
    return files


def strip_tests(text):
    m = re.search(r"^\s*#\[cfg\(test\)\]\s*\n\s*(pub(\(crate\))?\s+)?mod\s+\w+", text, re.M)
    if m:
        text = text[: m.start()]
    # comments name paths too; drop them
    text = re.sub(r"//[^\n]*", "", text)
    return text


def expand_use(tree):
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e']."""
    tree = re.sub(r"\s+", "", tree)
    out = []

    def walk(prefix, s):
        i = s.find("{")
        if i < 0:
            for item in split_top(s):
                out.append(prefix + item)
            return
        head = s[:i]
        # find matching brace
        depth = 0
        for j in range(i, len(s)):
            if s[j] == "{":
                depth += 1
            elif s[j] == "}":
                depth -= 1
                if depth == 0:
                    break
        inner = s[i + 1 : j]
        for item in split_top(inner):
            walk(prefix + head, item)

    walk("", tree)
    return out


def split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        parts.append(cur)
    return [p for p in parts if p]


def absolute(path, here):
    """Resolves `super::`, `self::`, `crate::` against the module path `here`."""
    segs = path.split("::")
    if segs[0] == "crate":
        return segs[1:]
    if segs[0] == "self":
        return list(here) + segs[1:]
    n = 0
    while segs and segs[0] == "super":
        n += 1
        segs = segs[1:]
    return list(here)[: len(here) - n] + segs


def reexports(mod_file, mod_path):
    """Names that mod.rs re-exports: name -> module path of the defining file."""
    names = {}
    text = strip_tests(open(mod_file).read())
    for m in re.finditer(r"pub(?:\([^)]*\))?\s+use\s+([^;]+);", text):
        for p in expand_use(m.group(1)):
            p = re.sub(r"\bas\b.*", "", p)
            segs = p.split("::")
            if segs[0] in ("self", "super", "crate"):
                full = absolute(p, mod_path)
            else:
                full = list(mod_path) + segs
            if full:
                names[segs[-1]] = tuple(full[:-1])
    return names


def graph(root):
    mods = modules_of(root)
    top = tuple(os.path.relpath(root, "src").split(os.sep))
    hubs = {p: reexports(f, p) for p, f in mods.items() if f.endswith("mod.rs")}
    edges = {p: set() for p in mods if p != top}
    for here, f in mods.items():
        if here == top:
            continue
        text = strip_tests(open(f).read())
        paths = []
        for m in re.finditer(r"\buse\s+([^;]+);", text):
            paths += expand_use(m.group(1))
        paths += re.findall(r"\b(?:crate|super|self)(?:::\w+)+", text)
        for p in paths:
            p = re.sub(r"\bas\b.*", "", p)
            segs = p.split("::")
            if segs[0] == "self":
                full = list(here) + segs[1:]
            elif segs[0] == "super":
                n = 0
                while segs and segs[0] == "super":
                    n += 1
                    segs = segs[1:]
                full = list(here)[: len(here) - n] + segs
            elif p.startswith("crate"):
                full = p.split("::")[1:]
            else:
                continue
            full = tuple(full)
            if full[: len(top)] != top:
                continue
            target = resolve(full, mods, hubs)
            if target and target != here and target != top and target in edges:
                # an edge to our own ancestor folder's mod.rs is a declaration, not a use
                if here[: len(target)] == target:
                    continue
                edges[here].add(target)
    return edges


def resolve(full, mods, hubs):
    """The module a path lands in: the longest existing module prefix, through re-exports."""
    for n in range(len(full), 0, -1):
        prefix = full[:n]
        if prefix in mods:
            rest = full[n:]
            if prefix in hubs and rest and rest[0] in hubs[prefix]:
                src = hubs[prefix][rest[0]]
                if src != prefix:
                    return resolve(src + rest, mods, hubs)
            return prefix
    return None


def sccs(edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def main():
    found = False
    for root in sys.argv[1:] or ["src/genesys", "src/sim"]:
        root = root.rstrip("/")
        edges = graph(root)
        comps = sccs(edges)
        name = os.path.relpath(root, "src").replace(os.sep, "::")
        print(f"{name}: {len(edges)} files, {sum(len(e) for e in edges.values())} edges, "
              f"{len(comps)} import cycle(s)")
        for comp in comps:
            found = True
            nodes = ["::".join(c[len(name.split('::')):]) or "mod" for c in comp]
            inner = {c: sorted(edges[c] & set(comp)) for c in comp}
            print("  cycle: " + ", ".join(nodes))
            for c in comp:
                short = "::".join(c[len(name.split('::')):])
                targets = ", ".join("::".join(t[len(name.split('::')):]) for t in inner[c])
                print(f"    {short} -> {targets}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
