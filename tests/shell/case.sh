for w in apple banana cherry 42 x.c '' 'a b'; do
  case $w in
    apple|banana) echo fruit $w ;;
    c*) echo c-word ;;
    [0-9]*) echo number ;;
    *.c) echo source ;;
    '') echo empty ;;
    "a b") echo spaced ;;
  esac
done
case x in (x) echo paren;; esac
case '*' in \*) echo star;; esac
case abc in a?c) echo q;; esac
case x in y) ;; esac; echo $?
