#!/usr/bin/env python3
"""bench peer for verify-predictions: the replaced system's verifier as a
plain Python 3 / sqlite3 port -- for each due prediction: read it, take the
price, evaluate the options, update it, then for each vote mark it and
read-modify-write the voter's statistics, one statement at a time, one
commit per prediction; print one JSON line per prediction.

    verify-predictions-peer.py DB NOW
"""
import json
import re
import sqlite3
import sys

TOKEN = re.compile(r"\s*(<=|>=|==|!=|<|>|\(|\)|[A-Za-z_]+|-?\d+(?:\.\d+)?)")


def compile_cond(src):
    """The condition as a Python expression over the four variables."""
    out = []
    for tok in TOKEN.findall(src):
        low = tok.lower()
        out.append(low if low in ("and", "or", "not") else tok)
    return compile(" ".join(out), "<cond>", "eval")


def main():
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    now = sys.argv[2]
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    due = db.execute(
        "SELECT id, symbol, verify_at, start_price, options FROM predictions"
        " WHERE status = 'active' AND mode = 'auto' AND verify_at <= ?"
        " ORDER BY verify_at, id", (now,)).fetchall()
    for pid, symbol, verify_at, start, options in due:
        row = db.execute(
            "SELECT price FROM prices WHERE symbol = ? AND time <= ?"
            " ORDER BY time DESC LIMIT 1", (symbol, verify_at)).fetchone()
        if row is None:
            continue
        end = row[0]
        change = round(end - start, 10)
        pct = round((end - start) / start * 100, 10)
        env = {"price": end, "start_price": start, "price_change": change,
               "price_change_percent": pct}
        held = [label for label, cond in json.loads(options).items()
                if eval(compile_cond(cond), {"__builtins__": {}}, env)]
        db.execute("BEGIN IMMEDIATE")
        if len(held) != 1:
            db.execute("UPDATE predictions SET status = 'error' WHERE id = ?",
                       (pid,))
            db.execute("COMMIT")
            continue
        option = held[0]
        db.execute(
            "UPDATE predictions SET status = 'verified', end_price = ?,"
            " price_change = ?, change_percent = ?, correct_option = ?,"
            " verified_at = ? WHERE id = ? AND status = 'active'",
            (end, change, pct, option, now, pid))
        voters = []
        ncorrect = 0
        for user, voted in db.execute(
                "SELECT user_id, option FROM votes WHERE prediction_id = ?",
                (pid,)).fetchall():
            ok = voted == option
            ncorrect += ok
            db.execute("UPDATE votes SET correct = ? WHERE prediction_id = ?"
                       " AND user_id = ?", (int(ok), pid, user))
            st = db.execute(
                "SELECT predictions, correct, current_streak, best_streak"
                " FROM user_stats WHERE user_id = ?", (user,)).fetchone()
            n, c, cur, best = st if st else (0, 0, 0, 0)
            n, c = n + 1, c + ok
            cur = cur + 1 if ok else 0
            best = max(best, cur)
            db.execute(
                "INSERT OR REPLACE INTO user_stats (user_id, predictions,"
                " correct, accuracy, current_streak, best_streak, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user, n, c, c / n, cur, best, now))
            voters.append({"user_id": user, "option": voted, "correct": ok})
        db.execute("COMMIT")
        print(json.dumps({"id": pid, "symbol": symbol, "start_price": start,
                          "end_price": end, "price_change": change,
                          "change_percent": pct, "correct_option": option,
                          "votes_correct": ncorrect,
                          "votes_incorrect": len(voters) - ncorrect,
                          "voters": voters}, separators=(",", ":")))


if __name__ == "__main__":
    main()
