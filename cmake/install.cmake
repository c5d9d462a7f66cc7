# `cmake --install build --prefix PREFIX` and the Debian package (`cpack -G DEB` in build/):
#   PREFIX/bin/alsel
#   PREFIX/share/alsel/models/*.pt, README.md          (the default model, found beside bin/)
#   PREFIX/share/alsel/scripts/nightly_select.sh        (docs/cron.md)
#   PREFIX/share/doc/alsel/{README.md,LICENSE,docs/,examples/}
#   PREFIX/share/man/man1/alsel.1                      (help2man, from every --help, when installed)
#   PREFIX/share/bash-completion/completions/alsel
include(GNUInstallDirs)
# `make install` and cpack install what was built and build nothing (no second build racing
# the first one in the same tree): scripts/build.sh, then cmake --install or cpack.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

install(TARGETS alsel RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/models/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/alsel/models)
file(GLOB ALSEL_SHIPPED_MODELS ${PROJECT_SOURCE_DIR}/models/*.pt)
install(FILES ${ALSEL_SHIPPED_MODELS} DESTINATION ${CMAKE_INSTALL_DATADIR}/alsel/models)

set(ALSEL_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/alsel)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${ALSEL_DOC_DIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${ALSEL_DOC_DIR}/docs
        PATTERN "experiments" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${ALSEL_DOC_DIR}/examples)
install(FILES ${PROJECT_SOURCE_DIR}/data/sample_pool.jsonl DESTINATION ${ALSEL_DOC_DIR}/examples)
# The nightly job of docs/cron.md, run by cron from here.
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/nightly_select.sh DESTINATION ${CMAKE_INSTALL_DATADIR}/alsel/scripts)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/alsel.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME alsel)

# The man page, generated from --help and --version at build time.
find_program(ALSEL_HELP2MAN help2man)
if(ALSEL_HELP2MAN)
  add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/alsel.1
    COMMAND ${PROJECT_SOURCE_DIR}/packaging/make_manpage.sh $<TARGET_FILE:alsel> ${CMAKE_BINARY_DIR}/alsel.1
    DEPENDS alsel ${PROJECT_SOURCE_DIR}/packaging/alsel.h2m ${PROJECT_SOURCE_DIR}/packaging/make_manpage.sh
    COMMENT "help2man: alsel.1"
    VERBATIM)
  add_custom_target(alsel_manpage ALL DEPENDS ${CMAKE_BINARY_DIR}/alsel.1)
  install(FILES ${CMAKE_BINARY_DIR}/alsel.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man page (apt-get install help2man)")
endif()

# Debian package: cpack -G DEB (scripts/build_deb.sh). Depends come from dpkg-shlibdeps (libtorch,
# SQLite, libstdc++, ...) plus OpenBLAS, which libtorch loads through the BLAS alternative.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME alsel)
set(CPACK_PACKAGE_VENDOR "alsel")
set(CPACK_PACKAGE_CONTACT "alsel maintainers <alsel@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "active-learning sample selection for named-entity recognition")
set(CPACK_PACKAGE_DESCRIPTION
    "alsel ranks a pool of unlabeled sentences by how much a named-entity model would learn from
them (least token probability, entropy, ...) and writes the top k for annotation, as JSONL,
doccano or Label Studio tasks. It ships a Chinese BERT-CRF model trained on MSRA NER.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread | libopenblas0")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bash-completion")
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)  # the models barely compress; xz only costs time
include(CPack)
