echo '2^10; 7/2; scale=3; 10/3' | bc
echo '2 3 + 4 * p' | dc
