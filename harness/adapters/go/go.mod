module srh

go 1.19
