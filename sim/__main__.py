from sim.commands.cli import main

main()
