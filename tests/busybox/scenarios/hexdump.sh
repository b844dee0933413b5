printf 'blog_os\n\000\001' | hexdump -C
