from probe.cli.app import main

main()
