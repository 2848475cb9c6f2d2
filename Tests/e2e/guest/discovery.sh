# mkpolicy's own view of the guest, in both snapshot formats.
section version mkpolicy --version
