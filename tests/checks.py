"""What the scripted tests share: a reporter that prints each check as it
is made and gives the exit status at the end."""


class Checks:
    def __init__(self, name):
        self.name = name
        self.failures = []

    def __call__(self, cond, what, detail=None):
        """Record one check; detail (what was seen) is shown when it fails.
        Returns cond, so a later check can depend on it."""
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            self.failures.append(what)
            if detail:
                print("     " + str(detail)[:600].replace("\n", "\n     "))
        return cond

    def status(self):
        """Print the summary line; 0 when every check passed, else 1."""
        print(f"{self.name}: " + ("passed" if not self.failures
                                  else f"{len(self.failures)} failed"))
        return 1 if self.failures else 0
