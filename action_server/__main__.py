from action_server import main

main()
