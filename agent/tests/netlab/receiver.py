"""A minimal results endpoint to run inside the lab's platform namespace.

``python receiver.py HOST PORT OUTFILE``: accepts every result, appends each
one as a JSON line to OUTFILE (repeats included, so a test can count them).
"""

import http.server
import json
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
        with open(self.server.outfile, "a", encoding="utf-8") as fh:
            for result in body["results"]:
                fh.write(json.dumps(result) + "\n")
        data = json.dumps({"accepted": [r["id"] for r in body["results"]], "rejected": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    server = http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler)
    server.outfile = sys.argv[3]
    server.serve_forever()


if __name__ == "__main__":
    main()
