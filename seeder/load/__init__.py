"""Load engines: seeder's plans and command logs sent by a load tool (Locust), with
placeholders resolved from earlier answers, dependencies honoured, one shard per
load worker, and a nonce per pass so a log can be sent again and again.

:mod:`seeder.load.replayer` is the engine (no load tool imported);
:mod:`seeder.load.locust` the Locust ``User`` (the ``locust`` extra)."""
