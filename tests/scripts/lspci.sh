# Run as init by tests/e2e/lspci_test.cpp: lspci on blog_os's /sys in the forms its host test
# (userland/toolbox/tests/lspci) compares with pciutils on Linux's /sys for the same machine.
for arguments in "" "-n" "-nn" "-k" "-v"; do
    echo "### lspci $arguments"
    lspci $arguments
done
echo "### done"
poweroff -f
