//! The frozen standard library: the modules PyTorch's own tests lean on import and work.

use crate::common::python;

#[test]
fn unittest_mock_inspect_dataclasses_enum_pickle_tempfile() {
    let code = r#"
import unittest.mock, inspect, dataclasses, enum, pickle, tempfile, os

m = unittest.mock.MagicMock(return_value=7)
assert m(1, k=2) == 7
m.assert_called_once_with(1, k=2)
with unittest.mock.patch.object(os, "getcwd", return_value="/patched"):
    assert os.getcwd() == "/patched"

def f(a, b=2, *rest, key=None, **kw):
    return a
print(inspect.signature(f))

@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
print(Point(1), dataclasses.asdict(Point(3, 4)))

class Color(enum.Enum):
    RED = 1
    GREEN = 2
print(Color.GREEN, Color(1).name, [c.value for c in Color])

data = {"point": (1, 2.5, "three"), "nested": [None, True, b"bytes"]}
assert pickle.loads(pickle.dumps(data)) == data
assert pickle.loads(pickle.dumps(Point(5, 6))) == Point(5, 6)

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "f.txt")
    with open(path, "w") as fh:
        fh.write("hello")
    print(open(path).read())
with tempfile.NamedTemporaryFile("w+", suffix=".py") as fh:
    fh.write("x = 1")
    fh.flush()
    assert os.path.getsize(fh.name) == 5
print("ok")
"#;
    let run = python(code);
    assert_eq!(
        run.stdout,
        "(a, b=2, *rest, key=None, **kw)\nPoint(x=1, y=0) {'x': 3, 'y': 4}\nColor.GREEN RED [1, 2]\nhello\nok\n"
    );
}

#[test]
fn threading_json_re_collections_functools() {
    let code = r##"
import threading, json, re, collections, functools, itertools, math
out = []
t = threading.Thread(target=lambda: out.append(sum(range(10))))
t.start(); t.join()
print(out, json.dumps({"a": [1, 2.5]}), re.sub(r"\d+", "#", "a1b22"))
print(collections.Counter("abca").most_common(1), functools.reduce(lambda a, b: a * b, range(1, 6)))
print(list(itertools.product([0, 1], repeat=2)), math.isclose(math.pi, 3.14159, rel_tol=1e-5))
"##;
    let run = python(code);
    assert_eq!(
        run.stdout,
        "[45] {\"a\": [1, 2.5]} a#b#\n[('a', 2)] 120\n[(0, 0), (0, 1), (1, 0), (1, 1)] True\n"
    );
}
