from nnstudio.cli import main

raise SystemExit(main())
