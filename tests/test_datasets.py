"""Tests of the data loaders: real files, synthetic files, corrupt files."""

import gc
import gzip
import hashlib
import io
import re
import struct
import warnings
import zipfile

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits
from sklearn.utils._param_validation import InvalidParameterError

import sklearn_sparsity.datasets as datasets
from sklearn_sparsity.datasets import (
    _mnist,
    load_birdsong,
    load_digits_unit,
    load_mnist,
)

MNIST_STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
BIRD_FILE = "nips4b_birdsong_cepstra.npz"


@pytest.fixture(autouse=True)
def _isolated_homes(monkeypatch, tmp_path_factory):
    """No test reads the real environment's data folders unless it asks."""
    monkeypatch.setenv(
        "SCIKIT_LEARN_DATA", str(tmp_path_factory.mktemp("sklearn_home"))
    )
    monkeypatch.delenv("SKLEARN_SPARSITY_DATA", raising=False)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _raises_and_closes(func, *args):
    """The message of the ValueError ``func(*args)`` raises; fails if a file is
    left open (the garbage collector warns when it closes one)."""
    gc.collect()  # files left open by earlier tests are not this call's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with pytest.raises(ValueError) as excinfo:
            func(*args)
        message = str(excinfo.value)
        del excinfo  # its traceback holds the frames that hold the files
        gc.collect()
    leaks = [str(w.message) for w in caught if w.category is ResourceWarning]
    assert not leaks
    return message


# --------------------------------------------------------------------------
# MNIST: synthetic IDX files


def _idx_bytes(array, magic):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def _write(path, payload, gz):
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)
    return path


def _write_mnist(folder, *, gz=True, n_train=7, n_test=5, seed=0):
    """Four valid IDX files; returns the uint8 arrays written."""
    rng = np.random.RandomState(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": rng.randint(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": rng.randint(0, 10, n_train),
        "t10k-images-idx3-ubyte": rng.randint(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.randint(0, 10, n_test),
    }
    arrays["train-images-idx3-ubyte"][0, 0, 0] = 255
    arrays["train-images-idx3-ubyte"][0, 0, 1] = 0
    for stem, array in arrays.items():
        magic = 2051 if "images" in stem else 2049
        _write(folder / stem, _idx_bytes(array, magic), gz)
    return {stem: a.astype(np.uint8) for stem, a in arrays.items()}


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_synthetic_roundtrip(tmp_path, gz):
    arrays = _write_mnist(tmp_path, gz=gz)
    before = {p.name: _sha(p) for p in tmp_path.iterdir()}
    bunch = load_mnist(tmp_path)

    train_images = arrays["train-images-idx3-ubyte"]
    expected = train_images.reshape(7, 784).astype(np.float32) / np.float32(255)
    assert bunch.data.dtype == np.float32 and bunch.data.shape == (7, 784)
    assert_array_equal(bunch.data, expected)
    assert bunch.data.min() == 0.0 and bunch.data.max() == 1.0
    assert bunch.target.dtype == np.int64
    assert_array_equal(bunch.target, arrays["train-labels-idx1-ubyte"])
    assert_array_equal(
        bunch.data_test,
        arrays["t10k-images-idx3-ubyte"].reshape(5, 784) / np.float32(255),
    )
    assert_array_equal(bunch.target_test, arrays["t10k-labels-idx1-ubyte"])
    assert bunch.images.shape == (7, 28, 28)
    assert_array_equal(bunch.images, train_images / np.float32(255))
    assert bunch.images_test.shape == (5, 28, 28)
    assert len(bunch.feature_names) == 784
    assert bunch.feature_names[29] == "pixel_1_1"
    assert_array_equal(bunch.target_names, np.arange(10))
    assert bunch.source == str(tmp_path)
    assert "7 training and 5 test images" in bunch.DESCR
    assert str(tmp_path) in bunch.DESCR
    assert bunch.data.flags.writeable and bunch.data.flags.c_contiguous

    X, y, X_test, y_test = load_mnist(tmp_path, return_X_y=True)
    assert_array_equal(X, bunch.data)
    assert_array_equal(y, bunch.target)
    assert_array_equal(X_test, bunch.data_test)
    assert_array_equal(y_test, bunch.target_test)
    # The files are not modified.
    assert {p.name: _sha(p) for p in tmp_path.iterdir()} == before


def test_load_mnist_mixed_compression_and_preference(tmp_path):
    arrays = _write_mnist(tmp_path, gz=True)
    # An uncompressed copy of one file is preferred over its .gz version.
    other = np.zeros((7, 28, 28), dtype=np.uint8)
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(other, 2051), gz=False)
    bunch = load_mnist(tmp_path)
    assert_array_equal(bunch.data, 0.0)
    assert_array_equal(bunch.target, arrays["train-labels-idx1-ubyte"])


def test_load_mnist_subfolders_of_data_home(tmp_path):
    _write_mnist(tmp_path / "mnist-subset", n_train=3)
    assert load_mnist(tmp_path).data.shape == (3, 784)
    # The full set (mnist/) is preferred over the subset.
    _write_mnist(tmp_path / "mnist", n_train=4)
    bunch = load_mnist(tmp_path)
    assert bunch.data.shape == (4, 784)
    assert bunch.source == str(tmp_path / "mnist")


def test_load_mnist_environment_and_sklearn_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    _write_mnist(home / "mnist", n_train=2)
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(home))
    assert load_mnist().data.shape == (2, 784)

    env = tmp_path / "env"
    _write_mnist(env / "mnist-subset", n_train=3)
    monkeypatch.setenv("SKLEARN_SPARSITY_DATA", str(env))
    bunch = load_mnist()
    assert bunch.data.shape == (3, 784)
    assert bunch.source == str(env / "mnist-subset")


def _corrupt_truncated(folder):
    path = folder / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-1])
    return path


def _corrupt_overlong(folder):
    path = folder / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes() + b"\x00")
    return path


def _corrupt_bad_magic(folder):
    # A label file where the image file should be.
    path = folder / "t10k-images-idx3-ubyte"
    path.write_bytes((folder / "t10k-labels-idx1-ubyte").read_bytes())
    return path


def _corrupt_header_truncated(folder):
    path = folder / "train-labels-idx1-ubyte"
    path.write_bytes(struct.pack(">I", 2049)[:3])
    return path


def _corrupt_empty(folder):
    path = folder / "train-labels-idx1-ubyte"
    path.write_bytes(b"")
    return path


def _corrupt_count_mismatch(folder):
    path = folder / "train-labels-idx1-ubyte"
    path.write_bytes(_idx_bytes(np.zeros(6), 2049))
    return path


def _corrupt_image_size(folder):
    path = folder / "train-images-idx3-ubyte"
    path.write_bytes(_idx_bytes(np.zeros((7, 10, 10)), 2051))
    return path


def _corrupt_label_range(folder):
    path = folder / "t10k-labels-idx1-ubyte"
    path.write_bytes(_idx_bytes(np.full(5, 10), 2049))
    return path


def _corrupt_no_images(folder):
    for stem in MNIST_STEMS[:2]:
        magic, shape = (2051, (0, 28, 28)) if "images" in stem else (2049, (0,))
        (folder / stem).write_bytes(_idx_bytes(np.zeros(shape), magic))
    return folder / "train-images-idx3-ubyte"


RAW_CORRUPTIONS = [
    _corrupt_truncated,
    _corrupt_overlong,
    _corrupt_bad_magic,
    _corrupt_header_truncated,
    _corrupt_empty,
    _corrupt_count_mismatch,
    _corrupt_image_size,
    _corrupt_label_range,
    _corrupt_no_images,
]


@pytest.mark.parametrize("corrupt", RAW_CORRUPTIONS, ids=lambda f: f.__name__[9:])
def test_load_mnist_corrupt_raw_files(tmp_path, corrupt):
    _write_mnist(tmp_path, gz=False)
    path = corrupt(tmp_path)
    assert str(path) in _raises_and_closes(load_mnist, tmp_path)


def _gz_not_gzip(folder):
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(b"this is not a gzip stream at all" * 10)
    return path


def _gz_cut_stream(folder):
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-50])
    return path


def _gz_flipped_byte(folder):
    path = folder / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    return path


def _gz_trailing_garbage(folder):
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes() + b"garbage!")
    return path


def _gz_truncated_content(folder):
    # A valid gzip stream whose content is one byte short.
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-1]))
    return path


def _gz_overlong_content(folder):
    path = folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + b"\x01"))
    return path


GZ_CORRUPTIONS = [
    _gz_not_gzip,
    _gz_cut_stream,
    _gz_flipped_byte,
    _gz_trailing_garbage,
    _gz_truncated_content,
    _gz_overlong_content,
]


@pytest.mark.parametrize("corrupt", GZ_CORRUPTIONS, ids=lambda f: f.__name__[4:])
def test_load_mnist_corrupt_gzip_files(tmp_path, corrupt):
    _write_mnist(tmp_path, gz=True, n_train=40, n_test=30)
    path = corrupt(tmp_path)
    assert str(path) in _raises_and_closes(load_mnist, tmp_path)


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    "sizes, declared",
    [
        ((2**32 - 1, 28, 28), "3,367,254,359,280 bytes (3.4 TB)"),
        # The product of the sizes overflows int64: it must not wrap around.
        ((2**32 - 1,) * 3, "over 1,000 YB"),
    ],
)
def test_load_mnist_header_declares_more_than_the_file_holds(
    tmp_path, gz, sizes, declared
):
    # Reported as soon as the data runs out, never allocated (MemoryError).
    _write_mnist(tmp_path, gz=gz)
    payload = struct.pack(">4I", 2051, *sizes) + bytes(1234)
    path = _write(tmp_path / "train-images-idx3-ubyte", payload, gz)
    message = (
        f"MNIST file {path} is truncated or its header is corrupt: the header "
        f"declares shape {sizes}, {declared} of data, but only 1,234 bytes follow."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        load_mnist(tmp_path)


def test_load_mnist_not_found_message(tmp_path):
    with pytest.raises(FileNotFoundError) as excinfo:
        load_mnist(tmp_path)
    message = str(excinfo.value)
    # The first line alone (all the command line shows) names the folders
    # searched, in order, and the files looked for.
    first_line, rest = message.split("\n", 1)
    folders = (tmp_path, tmp_path / "mnist", tmp_path / "mnist-subset")
    assert first_line.startswith(
        f"MNIST files not found in {', '.join(map(str, folders))} (searched in "
        "this order for a folder holding all four of "
    )
    for stem in MNIST_STEMS:
        assert f"{stem}[.gz]" in first_line
    assert "SKLEARN_SPARSITY_DATA" in rest
    assert "download_if_missing=True" in rest


def test_load_mnist_not_found_lists_missing_files(tmp_path):
    _write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="lacks: t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)


def test_load_mnist_not_found_searches_environment(tmp_path, monkeypatch):
    env, home = tmp_path / "env", tmp_path / "home"
    monkeypatch.setenv("SKLEARN_SPARSITY_DATA", str(env))
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(home))
    with pytest.raises(FileNotFoundError) as excinfo:
        load_mnist()
    message = str(excinfo.value)
    for folder in (env / "mnist", env / "mnist-subset", home / "mnist"):
        assert str(folder) in message
    # Searching creates nothing.
    assert not home.exists() and not env.exists()


def _fake_openml(calls):
    def fetch_openml(name, **kwargs):
        calls.append((name, kwargs))
        X = np.zeros((70_000, 784), dtype=np.uint8)
        X[:, 0] = 255
        X[60_000:, 1] = 51
        y = np.array([str(i % 10) for i in range(70_000)], dtype=object)
        return X, y

    return fetch_openml


@pytest.mark.parametrize("given_home", [False, True])
def test_load_mnist_download_fallback(tmp_path, monkeypatch, given_home):
    calls = []
    monkeypatch.setattr(_mnist, "fetch_openml", _fake_openml(calls))
    data_home = tmp_path if given_home else None
    bunch = load_mnist(data_home, download_if_missing=True)
    assert len(calls) == 1
    name, kwargs = calls[0]
    assert name == "mnist_784"
    assert kwargs["as_frame"] is False
    assert kwargs["data_home"] == (str(tmp_path) if given_home else None)
    assert bunch.data.shape == (60_000, 784)
    assert bunch.data_test.shape == (10_000, 784)
    assert bunch.data.dtype == np.float32 and bunch.target.dtype == np.int64
    assert_array_equal(bunch.data[:, 0], 1.0)
    assert_array_equal(bunch.data[:, 1], 0.0)
    assert_array_equal(bunch.data_test[:, 1], np.float32(0.2))
    assert_array_equal(bunch.target[:12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    assert bunch.source == "openml:mnist_784"
    assert "full official" in bunch.DESCR


def test_load_mnist_download_not_used_when_files_exist(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(_mnist, "fetch_openml", _fake_openml(calls))
    _write_mnist(tmp_path)
    load_mnist(tmp_path, download_if_missing=True)
    assert calls == []


def test_load_mnist_download_unexpected_shape(monkeypatch):
    def fetch_openml(name, **kwargs):
        return np.zeros((10, 784)), np.zeros(10)

    monkeypatch.setattr(_mnist, "fetch_openml", fetch_openml)
    with pytest.raises(ValueError, match="mnist_784 has data of shape"):
        load_mnist(download_if_missing=True)


@pytest.mark.parametrize(
    "kwargs",
    [{"data_home": 3}, {"return_X_y": "yes"}, {"download_if_missing": None}],
)
def test_load_mnist_invalid_params(kwargs):
    with pytest.raises(InvalidParameterError):
        load_mnist(**kwargs)


# --------------------------------------------------------------------------
# MNIST: the real subset


def test_load_mnist_real_subset(shared_data_dir, monkeypatch):
    monkeypatch.setenv("SKLEARN_SPARSITY_DATA", str(shared_data_dir))
    bunch = load_mnist()
    assert bunch.source == str(shared_data_dir / "mnist-subset")
    assert bunch.data.shape == (5000, 784) and bunch.data.dtype == np.float32
    assert bunch.data_test.shape == (10000, 784)
    assert bunch.data_test.dtype == np.float32
    for X in (bunch.data, bunch.data_test):
        assert X.min() == 0.0 and X.max() == 1.0
    assert_array_equal(np.bincount(bunch.target), np.full(10, 500))
    assert np.all(np.diff(bunch.target) >= 0), "the subset is sorted by class"
    assert_array_equal(np.unique(bunch.target_test), np.arange(10))
    assert bunch.images.shape == (5000, 28, 28)
    assert "5000 training and 10000 test images" in bunch.DESCR
    assert "sorted by class" in bunch.DESCR
    # The same folder serves as data_home.
    X, y, X_test, y_test = load_mnist(shared_data_dir, return_X_y=True)
    assert_array_equal(X, bunch.data)
    assert_array_equal(y_test, bunch.target_test)


# --------------------------------------------------------------------------
# Birdsong: synthetic files

CLASS_TABLE = {
    "class_id": np.array([3, 7, 9], dtype=np.int16),
    "class_name": np.array(["Aaa_call", "Bbb_song", "Ccc_song"]),
    "english_name": np.array(["A bird", "B bird", "C frog"]),
    "taxon": np.array(["bird", "bird", "amphibian"]),
}


def _bird_arrays(lengths=(1, 2, 3, 10, 6), seed=0):
    """Recordings 11, 12, ... with the given numbers of frames."""
    rng = np.random.RandomState(seed)
    recording = np.repeat(np.arange(11, 11 + len(lengths)), lengths).astype(np.int16)
    classes = CLASS_TABLE["class_id"]
    y = classes[(recording - 11) % 3].astype(np.int16)
    X = rng.normal(size=(recording.size, 17)).astype(np.float32)
    return {"X": X, "y": y, "recording": recording, **CLASS_TABLE}


def _write_npz(path, arrays, compressed=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    return path


def test_load_birdsong_synthetic_split(tmp_path):
    arrays = _bird_arrays()
    path = _write_npz(tmp_path / "birdsong" / BIRD_FILE, arrays)
    before = _sha(path)
    bunch = load_birdsong(tmp_path, train_frames_per_recording=3)

    # Recording of 1 frame: test only; 2 -> 1 + 1; 3 -> 2 + 1; 10 -> 3 + 7.
    train_counts = {r: int(np.sum(bunch.recording == r)) for r in range(11, 16)}
    test_counts = {r: int(np.sum(bunch.recording_test == r)) for r in range(11, 16)}
    assert train_counts == {11: 0, 12: 1, 13: 2, 14: 3, 15: 3}
    assert test_counts == {11: 1, 12: 1, 13: 1, 14: 7, 15: 3}

    assert bunch.data.dtype == np.float32 and bunch.data.shape == (9, 16)
    assert bunch.data_test.shape == (13, 16)
    assert bunch.target.dtype == np.int64 and bunch.recording.dtype == np.int64
    assert bunch.feature_names == [f"mfcc_{i}" for i in range(1, 17)]
    assert bunch.n_dropped_nonfinite == 0
    for key in CLASS_TABLE:
        assert_array_equal(bunch[key], CLASS_TABLE[key])

    # Each row is a row of the file, with its own class and recording, and the
    # two parts partition the frames.
    all_rows = np.vstack([bunch.data, bunch.data_test])
    order = np.lexsort(all_rows.T[::-1])
    expected = arrays["X"][:, 1:]
    assert_array_equal(all_rows[order], expected[np.lexsort(expected.T[::-1])])
    row_of = {tuple(row): i for i, row in enumerate(expected)}
    for X, y, rec in [
        (bunch.data, bunch.target, bunch.recording),
        (bunch.data_test, bunch.target_test, bunch.recording_test),
    ]:
        idx = np.array([row_of[tuple(row)] for row in X])
        assert_array_equal(y, arrays["y"][idx])
        assert_array_equal(rec, arrays["recording"][idx])
        assert np.all(np.diff(idx) > 0), "file order is kept"
    assert ":Number of training frames: 9\n" in bunch.DESCR
    assert ":Number of test frames: 13\n" in bunch.DESCR
    # The file is not modified.
    assert _sha(path) == before


def test_load_birdsong_features_do_not_change_the_split(tmp_path):
    arrays = _bird_arrays(lengths=(20, 30, 25))
    _write_npz(tmp_path / "birdsong" / BIRD_FILE, arrays)
    kwargs = {"train_frames_per_recording": 5, "random_state": 3}
    full = load_birdsong(tmp_path, **kwargs)
    small = load_birdsong(tmp_path, n_mfcc=4, include_energy=True, **kwargs)
    assert small.feature_names == ["energy_c0", "mfcc_1", "mfcc_2", "mfcc_3", "mfcc_4"]
    assert_array_equal(small.data[:, 1:], full.data[:, :4])
    assert_array_equal(small.data_test[:, 1:], full.data_test[:, :4])
    assert_array_equal(small.recording, full.recording)
    # Column 0 is the file's energy column, of the same frames.
    row = np.flatnonzero((arrays["X"][:, 1:5] == small.data[0, 1:]).all(axis=1))
    assert arrays["X"][row[0], 0] == small.data[0, 0]


def test_load_birdsong_random_state(tmp_path):
    _write_npz(tmp_path / "birdsong" / BIRD_FILE, _bird_arrays(lengths=(40, 50)))
    a = load_birdsong(tmp_path, train_frames_per_recording=10, return_X_y=True)
    b = load_birdsong(tmp_path, train_frames_per_recording=10, return_X_y=True)
    c = load_birdsong(
        tmp_path, train_frames_per_recording=10, random_state=1, return_X_y=True
    )
    for x, y in zip(a, b, strict=True):
        assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])
    rng = np.random.RandomState(0)
    d = load_birdsong(
        tmp_path, train_frames_per_recording=10, random_state=rng, return_X_y=True
    )
    assert_array_equal(d[0], a[0])


def test_load_birdsong_compressed_and_fortran_order(tmp_path):
    # Read as np.load reads them: deflated members, Fortran-ordered arrays.
    arrays = _bird_arrays()
    _write_npz(tmp_path / "plain" / BIRD_FILE, arrays)
    arrays["X"] = np.asfortranarray(arrays["X"])
    _write_npz(tmp_path / "other" / BIRD_FILE, arrays, compressed=True)
    expected = load_birdsong(tmp_path / "plain")
    bunch = load_birdsong(tmp_path / "other")
    for key in ("data", "target", "data_test", "recording", *CLASS_TABLE):
        assert_array_equal(bunch[key], expected[key])
        assert bunch[key].flags.writeable


def test_load_birdsong_nonfinite(tmp_path):
    arrays = _bird_arrays(lengths=(5, 8, 6))
    arrays["X"][6, 0] = -np.inf  # recording 12, the energy column only
    arrays["X"][7, 3] = np.nan  # recording 12
    arrays["X"][15, 16] = np.inf  # recording 13
    _write_npz(tmp_path / BIRD_FILE, arrays)  # directly in data_home

    bunch = load_birdsong(tmp_path, n_mfcc=1, train_frames_per_recording=2)
    # Finiteness is checked on all 17 columns, whichever are selected.
    assert bunch.n_dropped_nonfinite == 3
    assert bunch.data.shape[0] + bunch.data_test.shape[0] == 19 - 3
    assert np.isfinite(bunch.data).all() and np.isfinite(bunch.data_test).all()
    assert "Non-finite frames dropped: 3" in bunch.DESCR

    with pytest.raises(ValueError, match=r"3 frame\(s\) with NaN or infinite") as e:
        load_birdsong(tmp_path, drop_nonfinite=False)
    assert "12 (2 frames), 13 (1 frames)" in str(e.value)
    assert str(tmp_path / BIRD_FILE) in str(e.value)


def test_load_birdsong_all_nonfinite(tmp_path):
    arrays = _bird_arrays(lengths=(2, 3))
    arrays["X"][:, 5] = np.nan
    path = _write_npz(tmp_path / "birdsong" / BIRD_FILE, arrays)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_birdsong(tmp_path)


def _npz_not_zip(path):
    path.write_bytes(b"definitely not a zip archive" * 20)


def _npz_truncated(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _npz_flipped_byte(path):
    _write_npz(path, _bird_arrays(), compressed=True)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 3] ^= 0xFF
    path.write_bytes(bytes(raw))


def _npz_single_array(path):
    with open(path, "wb") as f:
        np.save(f, np.zeros((3, 17)))


def _npz_missing_array(path):
    arrays = _bird_arrays()
    del arrays["recording"], arrays["taxon"]
    _write_npz(path, arrays)


def _npz_wrong_columns(path):
    arrays = _bird_arrays()
    arrays["X"] = arrays["X"][:, :5]
    _write_npz(path, arrays)


def _npz_length_mismatch(path):
    arrays = _bird_arrays()
    arrays["y"] = arrays["y"][:-1]
    _write_npz(path, arrays)


def _npz_class_table_mismatch(path):
    arrays = _bird_arrays()
    arrays["english_name"] = arrays["english_name"][:2]
    _write_npz(path, arrays)


def _npz_unknown_class(path):
    arrays = _bird_arrays()
    arrays["y"][0] = 99
    _write_npz(path, arrays)


def _npz_object_array(path):
    arrays = _bird_arrays()
    arrays["class_name"] = np.array(["a", 1, None], dtype=object)
    _write_npz(path, arrays)


def _npz_integer_X(path):
    arrays = _bird_arrays()
    arrays["X"] = arrays["X"].astype(np.int32)
    _write_npz(path, arrays)


def _npz_empty(path):
    arrays = _bird_arrays()
    for key in ("X", "y", "recording"):
        arrays[key] = arrays[key][:0]
    _write_npz(path, arrays)


def _replace_member(path, name, npy_bytes):
    """The valid file, with the member of array ``name`` replaced by raw bytes."""
    arrays = _bird_arrays()
    del arrays[name]
    _write_npz(path, arrays)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(f"{name}.npy", npy_bytes)


def _npz_huge_header(path):
    # X.npy declares 10**12 rows (68 TB), followed by the 22 rows of the file:
    # reported, never allocated (MemoryError).
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10**12, 17)}
    )
    _replace_member(path, "X", header.getvalue() + _bird_arrays()["X"].tobytes())


def _npz_overlong_member(path):
    # y.npy, in .npy format 2.0, holds 4 bytes more than its header declares.
    npy = io.BytesIO()
    np.lib.format.write_array(npy, _bird_arrays()["y"], version=(2, 0))
    _replace_member(path, "y", npy.getvalue() + bytes(4))


NPZ_CORRUPTIONS = {
    _npz_not_zip: "is not a zip archive",
    _npz_truncated: "Could not read",
    _npz_flipped_byte: "Could not read",
    _npz_single_array: "single .npy array",
    _npz_missing_array: "lacks the array(s) recording, taxon",
    _npz_wrong_columns: "X has shape (22, 5)",
    _npz_length_mismatch: "y has shape (21,)",
    _npz_class_table_mismatch: "english_name has shape (2,)",
    _npz_unknown_class: "class ids [99]",
    _npz_object_array: "Could not read",
    _npz_integer_X: "expected floating point",
    _npz_empty: "X has no rows",
    _npz_huge_header: (
        "X.npy declares shape (1000000000000, 17) of float32, "
        "68,000,000,000,000 bytes (68.0 TB) of data, but holds 1,496 bytes."
    ),
    _npz_overlong_member: (
        "y.npy declares shape (22,) of int16, 44 bytes of data, but holds 48 bytes."
    ),
}


@pytest.mark.parametrize("corrupt", list(NPZ_CORRUPTIONS), ids=lambda f: f.__name__[5:])
def test_load_birdsong_corrupt_files(tmp_path, corrupt):
    path = _write_npz(tmp_path / "birdsong" / BIRD_FILE, _bird_arrays())
    corrupt(path)
    # Every error path closes the file.
    message = _raises_and_closes(load_birdsong, tmp_path)
    assert str(path) in message
    assert NPZ_CORRUPTIONS[corrupt] in message


def test_load_birdsong_not_found(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError) as excinfo:
        load_birdsong(tmp_path)
    first_line = str(excinfo.value).splitlines()[0]
    assert first_line == (
        f"Bird-song file {BIRD_FILE} not found in {tmp_path / 'birdsong'}, "
        f"{tmp_path} (searched in this order)."
    )

    env, home = tmp_path / "env", tmp_path / "home"
    monkeypatch.setenv("SKLEARN_SPARSITY_DATA", str(env))
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(home))
    with pytest.raises(FileNotFoundError) as excinfo:
        load_birdsong()
    message = str(excinfo.value)
    assert str(env / "birdsong") in message and str(home / "birdsong") in message
    assert not home.exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_mfcc": 0},
        {"n_mfcc": 17},
        {"n_mfcc": 2.0},
        {"train_frames_per_recording": 0},
        {"include_energy": "no"},
        {"drop_nonfinite": 1.5},
        {"random_state": "seed"},
        {"data_home": 1},
    ],
)
def test_load_birdsong_invalid_params(kwargs):
    with pytest.raises(InvalidParameterError):
        load_birdsong(**kwargs)


# --------------------------------------------------------------------------
# Birdsong: the real file


@pytest.fixture(scope="module")
def real_birdsong(shared_data_dir):
    return load_birdsong(shared_data_dir)


def test_load_birdsong_real_counts(real_birdsong, shared_data_dir):
    bunch = real_birdsong
    assert bunch.n_dropped_nonfinite == 103
    assert bunch.data.shape == (68_934, 16) and bunch.data_test.shape == (177_804, 16)
    assert bunch.data.shape[0] + bunch.data_test.shape[0] == 246_841 - 103
    assert bunch.data.dtype == np.float32 and bunch.data_test.dtype == np.float32
    assert np.isfinite(bunch.data).all() and np.isfinite(bunch.data_test).all()
    assert bunch.class_id.shape == bunch.class_name.shape == (51,)
    assert bunch.english_name.shape == bunch.taxon.shape == (51,)
    assert set(np.unique(bunch.target)) <= set(bunch.class_id)
    assert bunch.feature_names == [f"mfcc_{i}" for i in range(1, 17)]
    assert str(shared_data_dir / "birdsong" / BIRD_FILE) in bunch.DESCR

    # Every recording is in both parts, with 300 training frames (or all but
    # one for the two recordings shorter than that).
    recordings, n_train = np.unique(bunch.recording, return_counts=True)
    recordings_test, n_test = np.unique(bunch.recording_test, return_counts=True)
    assert recordings.size == 230
    assert_array_equal(recordings, recordings_test)
    assert_array_equal(n_train, np.minimum(300, n_train + n_test - 1))
    assert np.sum(n_train < 300) == 2
    # The silent recording keeps its finite frames.
    assert np.sum(bunch.recording == 60) + np.sum(bunch.recording_test == 60) == 1185
    # One class per recording.
    for X_rec, X_y in [
        (bunch.recording, bunch.target),
        (bunch.recording_test, bunch.target_test),
    ]:
        pairs = np.unique(np.column_stack([X_rec, X_y]), axis=0)
        assert pairs.shape[0] == 230


def test_load_birdsong_real_options(real_birdsong, shared_data_dir):
    with pytest.raises(ValueError, match=r"103 frame\(s\).*60 \(103 frames\)"):
        load_birdsong(shared_data_dir, drop_nonfinite=False)

    X, y, X_test, y_test = load_birdsong(
        shared_data_dir, include_energy=True, return_X_y=True
    )
    # Same seed, same split, whatever the features.
    assert_array_equal(X[:, 1:], real_birdsong.data)
    assert_array_equal(y_test, real_birdsong.target_test)

    other = load_birdsong(shared_data_dir, n_mfcc=2, random_state=1)
    assert other.data.shape == (68_934, 2)
    assert not np.array_equal(other.data, real_birdsong.data[:, :2])
    assert_array_equal(
        np.unique(other.recording, return_counts=True)[1],
        np.unique(real_birdsong.recording, return_counts=True)[1],
    )


# --------------------------------------------------------------------------
# Digits


def test_load_digits_unit():
    bunch = load_digits_unit()
    raw = load_digits()
    assert bunch.data.shape == (1797, 64) and bunch.data.dtype == np.float32
    assert_array_equal(bunch.data, (raw.data / 16).astype(np.float32))
    assert bunch.data.min() == 0.0 and bunch.data.max() == 1.0
    assert bunch.target.dtype == np.int64
    assert_array_equal(bunch.target, raw.target)
    assert bunch.images.shape == (1797, 8, 8)
    assert np.shares_memory(bunch.images, bunch.data)
    assert bunch.feature_names == raw.feature_names
    assert "divided by 16" in bunch.DESCR
    assert "data_test" not in bunch

    X, y = load_digits_unit(return_X_y=True)
    assert_array_equal(X, bunch.data)
    assert_array_equal(y, bunch.target)


def test_load_digits_unit_split():
    bunch = load_digits_unit(test_size=0.25)
    assert bunch.data.shape == (1347, 64) and bunch.data_test.shape == (450, 64)
    assert bunch.images.shape == (1347, 8, 8)
    # Stratified: class proportions agree to within one image.
    full = np.bincount(load_digits().target)
    assert np.all(np.abs(np.bincount(bunch.target_test) - full * 0.25) <= 1)
    assert "1347 training and 450 test images" in bunch.DESCR

    X, y, X_test, y_test = load_digits_unit(test_size=100, return_X_y=True)
    assert X_test.shape == (100, 64)
    again = load_digits_unit(test_size=100, return_X_y=True)
    assert_array_equal(again[2], X_test)
    other = load_digits_unit(test_size=100, random_state=1, return_X_y=True)
    assert not np.array_equal(other[3], y_test)


@pytest.mark.parametrize(
    "kwargs", [{"test_size": 0.0}, {"test_size": 1.5}, {"return_X_y": 1.0}]
)
def test_load_digits_unit_invalid_params(kwargs):
    with pytest.raises(InvalidParameterError):
        load_digits_unit(**kwargs)


def test_public_names():
    assert sorted(datasets.__all__) == [
        "load_birdsong",
        "load_digits_unit",
        "load_mnist",
    ]
