from placepix.cli import main

main()
