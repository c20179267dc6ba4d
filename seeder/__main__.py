from seeder.cli import main

raise SystemExit(main())
