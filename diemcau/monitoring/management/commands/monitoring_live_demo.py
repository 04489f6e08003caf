"""``diemcau monitoring_live_demo``: one live site on loopback (reflector + agent), kept running.

Started by ``diemcau run`` next to the web server. It needs the web server
listening at ``--server`` (the agent posts its results there) and a loaded
demo. Stops its children on Ctrl-C or SIGTERM.
"""

import signal
import time

from django.core.management.base import BaseCommand

from diemcau.monitoring import live


class Command(BaseCommand):
    help = "Start one live demo site: a reflector and an agent on loopback, reporting to this server."

    def add_arguments(self, parser):
        parser.add_argument("--server", default="http://127.0.0.1:8000", help="URL of the running web server")
        parser.add_argument("--site", default=None, help="site code (default: the hub, else the first site)")
        parser.add_argument("--port", type=int, default=live.REFLECTOR_PORT, help="reflector UDP port on 127.0.0.1")
        parser.add_argument("--every", type=float, default=15.0, help="seconds between roll-up/alert passes")
        parser.add_argument("--once", action="store_true", help="write the config and exit (no processes)")
        parser.add_argument("--no-demo-agents", action="store_true",
                            help="do not keep the demo province's other agents reporting")

    def handle(self, *args, server, site, port, every, once, no_demo_agents, **options):
        if once:
            path = live.write_config(live.pick_site(site), server, port)
            self.stdout.write(f"agent config written: {path}")
            return
        # SIGTERM ends the wait at once (not after the current sleep), and from the start: the caller
        # (diemcau run) kills what is left after a few seconds.
        signal.signal(signal.SIGTERM, _stop)
        # Today's demo meeting (a couple of hours ahead) gives the live agent its fast-probing window.
        from diemcau.meetings.demo import keep_meeting_ahead

        try:
            added = keep_meeting_ahead()
        except KeyboardInterrupt:
            return
        if added is not None:
            self.stdout.write(f"demo meeting added: {added}")
        try:
            running = live.start_live_site(server, code=site, port=port)
        except KeyboardInterrupt:
            return  # start_live_site stopped what it had started
        try:
            self._loop(running, port, every, no_demo_agents)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the stop short
            running.stop()

    def _loop(self, running, port, every, no_demo_agents):
        self.stdout.write(f"live site {running.site.code} ({running.site.name}): reflector 127.0.0.1:{port}, "
                          f"agent config {running.ini_path}")
        demo_agents = None if no_demo_agents else live.DemoAgents()
        if demo_agents:
            # Twenty minutes of rounds at once, so every demo site has a current grade now.
            sent = demo_agents.tick(minutes=20)
            self.stdout.write(f"{len(demo_agents.tokens)} demo agents reporting ({sent} rounds back-filled)")
        last_tick = time.monotonic()
        while True:
            time.sleep(every)
            if any(p.poll() is not None for p in running.processes):
                self.stderr.write("the reflector or the agent stopped; ending the live site")
                return
            if demo_agents and time.monotonic() - last_tick >= 60:
                demo_agents.tick(minutes=(time.monotonic() - last_tick) / 60)
                last_tick = time.monotonic()
            live.process()


def _stop(signum, frame):
    raise KeyboardInterrupt
