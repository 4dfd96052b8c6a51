from probe.cli.entry import main

main()
