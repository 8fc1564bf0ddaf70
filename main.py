"""Entry module for `flet build` (which needs <app path>/main.py); the app lives in `app`."""

from app.gui import main_entry

if __name__ == "__main__":
    main_entry()
