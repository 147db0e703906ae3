from bot.cli import main_run

main_run()
