"""The local buffer: order, trimming, size cap and disk full."""


from diemcau_agent.buffer import Buffer


def rec(i):
    return {"id": "id-%05d" % i, "kind": "probe", "measured_at": "2026-01-01T00:%02d:%02d.000Z" % (i // 60 % 60, i % 60),
            "fields": {"n": i}}


def test_results_come_out_oldest_first_and_confirmation_trims(tmp_path):
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    for i in range(10):
        buf.add(rec(i))
    assert [r["fields"]["n"] for r in buf.oldest(4)] == [0, 1, 2, 3]
    buf.confirm(["id-00000", "id-00001"])
    assert buf.count() == 8
    assert buf.oldest(1)[0]["id"] == "id-00002"


def test_buffer_survives_a_restart(tmp_path):
    path = str(tmp_path / "b.sqlite3")
    buf = Buffer(path)
    buf.add(rec(1))
    buf.close()
    assert Buffer(path).oldest(5)[0]["id"] == "id-00001"


def test_adding_the_same_id_twice_keeps_one(tmp_path):
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    buf.add(rec(1))
    buf.add(rec(1))
    assert buf.count() == 1


def test_size_cap_drops_the_oldest_and_remembers_the_loss(tmp_path):
    buf = Buffer(str(tmp_path / "b.sqlite3"), max_rows=100)
    for i in range(130):
        buf.add(rec(i))
    assert buf.count() == 100
    assert buf.oldest(1)[0]["id"] == "id-00030"
    report = buf.dropped()
    assert report["count"] == 30
    assert report["first_measured_at"] == rec(0)["measured_at"]
    assert report["last_measured_at"] == rec(29)["measured_at"]
    buf.dropped_reported(report)
    assert buf.dropped() is None


def test_disk_full_drops_oldest_first_and_reports_it(tmp_path):
    path = str(tmp_path / "b.sqlite3")
    buf = Buffer(path, max_rows=10 ** 9)
    # Simulate a full disk: SQLite refuses to grow the file past this size.
    pages = buf.db.execute("PRAGMA page_count").fetchone()[0]
    buf.db.execute("PRAGMA max_page_count = %d" % (pages + 6))
    for i in range(400):
        buf.add(dict(rec(i), fields={"n": i, "pad": "x" * 200}))
    kept = [r["fields"]["n"] for r in buf.oldest(1000)]
    assert kept[-1] == 399, "the newest result is kept"
    assert kept == list(range(kept[0], 400)), "what is kept is contiguous: the oldest went"
    report = buf.dropped()
    assert report["count"] == kept[0] > 0
    assert report["first_measured_at"] == rec(0)["measured_at"]


def test_drops_reported_only_once_acknowledged(tmp_path):
    buf = Buffer(str(tmp_path / "b.sqlite3"), max_rows=100)
    for i in range(105):
        buf.add(rec(i))
    first = buf.dropped()
    for i in range(105, 107):
        buf.add(rec(i))
    buf.dropped_reported(first)
    assert buf.dropped()["count"] == 2
