"""Entry points and wiring: settings, the `mttq` CLI."""
